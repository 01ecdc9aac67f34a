import logging
import tempfile
import time
from pathlib import Path

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spaser.imports import progress
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun
from spaser.imports.services import UNEXPECTED_ERROR, decp_import_file, import_files_purge

logger = logging.getLogger(__name__)


@db_task()
def decp_import_task(run_id: int):
    """Imports an uploaded DECP file in the worker (never inside a web request).

    The task never dies with an exception: whatever happens, the journal entry ends (succeeded or failed with
    a French message) and the traceback goes to the server's log."""
    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.PENDING).first()
    if run is None:
        logger.warning("Import %s introuvable ou déjà traité", run_id)
        return
    try:
        _decp_import_uploaded(run)
    except FileNotFoundError:
        logger.warning("Import DECP %s (n° %s) : fichier déposé introuvable", run.file_name, run.pk)
        _fail_pending(run, MISSING_FILE_ERROR)
    except Exception:
        logger.exception("Import DECP %s (n° %s) : erreur inattendue dans le worker", run.file_name, run.pk)
        _fail_pending(run, UNEXPECTED_ERROR.format(pk=run.pk))
    finally:
        progress.clear(run.pk)


MISSING_FILE_ERROR = (
    "Le fichier déposé est introuvable dans le stockage (supprimé entre-temps ?) : rien n'a été importé. "
    "Déposez-le à nouveau."
)


def _fail_pending(run: ImportRun, message: str):
    """Ends the run as failed unless the import already said why it failed."""
    ImportRun.objects.filter(pk=run.pk).exclude(status=ImportStatus.FAILED).update(
        status=ImportStatus.FAILED,
        error=message,
        finished_at=timezone.now(),
        read_count=0,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
        merged_count=0,
        rejected_count=0,
    )


def _decp_import_uploaded(run: ImportRun):
    # The storage may be remote (S3) or in memory: the pipeline reads a local copy, streamed.
    suffix = "".join(Path(run.file_name).suffixes[-2:])
    total = run.file_size or 0
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, run.uploaded_file.open("rb") as uploaded:
        copied, reported = 0, 0.0
        while chunk := uploaded.read(1 << 20):
            local.write(chunk)
            copied += len(chunk)
            if time.monotonic() - reported >= 0.5:
                reported = time.monotonic()
                progress.publish(run.pk, done_bytes=copied, total_bytes=max(total, copied), phase=progress.COPY)
        local.flush()
        decp_import_file(path=Path(local.name), run=run, dry_run=run.dry_run)


@db_periodic_task(crontab(hour="3", minute="40"))
def import_files_purge_task():
    """Every night: the uploaded files past their retention period are deleted (their journal stays)."""
    deleted = import_files_purge()
    if deleted:
        logger.info("%s fichier(s) d'import supprimé(s) (durée de conservation écoulée)", deleted)
