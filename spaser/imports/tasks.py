import logging
import shutil
import tempfile
from pathlib import Path

from huey.contrib.djhuey import db_task

from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun
from spaser.imports.services import decp_import_file

logger = logging.getLogger(__name__)


@db_task()
def decp_import_task(run_id: int):
    """Imports an uploaded DECP file in the worker (never inside a web request)."""
    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.PENDING).first()
    if run is None:
        logger.warning("Import %s introuvable ou déjà traité", run_id)
        return
    # The storage may be remote (S3) or in memory: the pipeline reads a local copy, streamed.
    suffix = "".join(Path(run.file_name).suffixes[-2:])
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, run.uploaded_file.open("rb") as uploaded:
        shutil.copyfileobj(uploaded, local, 1 << 20)
        local.flush()
        decp_import_file(path=Path(local.name), run=run, dry_run=run.dry_run)
