"""Partner imports in the worker: the preview of a large file and its confirmation take minutes, never a
web request. In tests huey is immediate (config/settings/test.py)."""

import logging

from huey.contrib.djhuey import db_task

from spaser.actors import importing, progress
from spaser.actors.enums import ImportStep
from spaser.actors.models import ActorImport

logger = logging.getLogger(__name__)


@db_task()
def actor_import_task(batch_id: int):
    """Runs the step the batch waits for (preview or confirmation), then clears its `running` flag."""
    batch = ActorImport.objects.filter(pk=batch_id).exclude(running="").first()
    if batch is None:
        logger.warning("Import d'acteurs %s introuvable ou sans étape en attente", batch_id)
        return

    def on_progress(done: int, total: int) -> None:
        progress.publish(batch_id, done=done, total=total)

    error = ""
    try:
        if batch.running == ImportStep.PREVIEW:
            importing.actor_import_preview(batch=batch, mapping=batch.mapping, on_progress=on_progress)
        else:
            importing.actor_import_confirm(batch=batch, by=batch.confirmed_by, on_progress=on_progress)
    except Exception as exception:  # the transaction rolled back: nothing of this step is kept
        logger.exception("Import d'acteurs %s : échec de l'étape %s", batch_id, batch.running)
        step = ImportStep(batch.running).label
        error = f"L'étape « {step} » a échoué ({exception.__class__.__name__}) : rien n'a été enregistré."
    finally:
        progress.clear(batch_id)
    ActorImport.objects.filter(pk=batch_id).update(running="", error=error)
