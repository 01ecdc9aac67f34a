"""Uploads people understand: the size limit enforced while the file streams, the size and format shown at
once, the checking phase's own progress, a warning for a file without records, a worker that never dies, and
the retention of uploaded files (the journal outlives them)."""

import datetime as dt
import gzip
import html
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from spaser.accounts.enums import Role
from spaser.imports import progress, services, tasks
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun
from spaser.imports.services import NO_RECORD_WARNING, UNEXPECTED_ERROR, import_files_purge
from tests.imports.test_decp_pipeline import market

LIMIT = 10_000


@pytest.fixture
def small_limit(settings, tmp_path):
    settings.SPASER_UPLOAD_MAX_BYTES = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000  # beyond, Django writes the upload to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def padded_json(size: int) -> bytes:
    content = json.dumps({"marches": [market()]}).encode()
    return content + b" " * (size - len(content))


def test_a_file_just_over_the_limit_is_stopped_while_it_streams(client, member_of, small_limit):
    client.force_login(member_of(Role.BUYER))
    upload = SimpleUploadedFile("gros.json", padded_json(LIMIT + 1), "application/json")
    response = client.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 413
    # The declared length was within the form's margin: the counting handler stopped the upload.
    assert response.wsgi_request.upload_too_large is True
    assert "dépasse la taille maximale acceptée (9,8\xa0Kio)" in response.content.decode()
    assert "rien n'a été enregistré" in html.unescape(response.content.decode())
    assert not ImportRun.objects.exists()
    assert list(small_limit.iterdir()) == []  # the temporary file of the part received is gone


def test_a_declared_length_over_the_limit_is_refused_before_reading(client, member_of, small_limit):
    client.force_login(member_of(Role.BUYER))
    upload = SimpleUploadedFile("tres-gros.json", padded_json(LIMIT + 100_000), "application/json")
    response = client.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 413
    assert not hasattr(response.wsgi_request, "upload_too_large")  # the body was never parsed
    assert "dépasse la taille maximale acceptée" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert list(small_limit.iterdir()) == []


def test_a_file_at_the_limit_is_accepted(client, member_of, small_limit, django_capture_on_commit_callbacks):
    client.force_login(member_of(Role.BUYER))
    upload = SimpleUploadedFile("juste.json", padded_json(LIMIT), "application/json")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("imports:upload"), {"file": upload})
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:run_detail", args=[run.pk])
    assert run.file_size == LIMIT


def test_the_script_upload_is_answered_with_the_journal_address(client, member_of, django_capture_on_commit_callbacks):
    client.force_login(member_of(Role.BUYER))
    upload = SimpleUploadedFile("depot.json", padded_json(2_000), "application/json")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("imports:upload"), {"file": upload}, headers={"X-Requested-With": "XMLHttpRequest"}
        )
    assert response.status_code == 204
    assert response["X-Redirect-To"] == reverse("imports:run_detail", args=[ImportRun.objects.get().pk])


def test_the_upload_page_loads_its_progress_script_and_states_the_limit(client, member_of, settings):
    client.force_login(member_of(Role.BUYER))
    page = client.get(reverse("imports:upload")).content.decode()
    assert "imports/upload.js" in page
    assert f'data-max-bytes="{settings.SPASER_UPLOAD_MAX_BYTES}"' in page
    assert "Taille maximale : 512,0\xa0Mio" in page
    assert '<progress id="upload-progress-bar"' in page and 'role="status" aria-live="polite"' in page


def test_size_and_format_are_shown_as_soon_as_the_run_exists(client, member_of, django_capture_on_commit_callbacks):
    client.force_login(member_of(Role.BUYER))
    content = gzip.compress(json.dumps({"marches": [market()]}).encode(), mtime=0)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not started yet
        response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("d.json.gz", content)})
    run = ImportRun.objects.get()
    assert (run.status, run.file_size, run.file_format) == (ImportStatus.PENDING, len(content), "JSON (gzip)")
    page = client.get(response.url).content.decode()
    assert "JSON (gzip)" in page and "0\xa0octet" not in page
    assert "en attente du traitement" in page


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        (progress.COPY, "Préparation du fichier : 45 %"),
        (progress.CHECK, "Vérification du fichier (empreinte, décompression, encodage) : 45 %"),
        (progress.READ, "En cours : 45 % du fichier lu, 12 enregistrements"),
    ],
)
def test_each_phase_shows_its_own_progress(client, member_of, organisation, phase, expected):
    client.force_login(member_of(Role.READER))
    run = ImportRun.objects.create(file_name="gros.json", status=ImportStatus.RUNNING, organisation=organisation)
    progress.publish(run.pk, done_bytes=45, total_bytes=100, read=12, phase=phase)
    try:
        response = client.get(reverse("imports:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    finally:
        progress.clear(run.pk)
    assert expected in " ".join(response.content.decode().split())


def test_the_check_phase_publishes_its_progress(tmp_path, monkeypatch):
    published = []
    monkeypatch.setattr(progress, "publish", lambda run_id, **values: published.append(values))
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"marches": [market()]}))
    run = services.decp_import_file(path=path, dry_run=True)
    assert run.status == ImportStatus.SUCCEEDED
    checks = [values for values in published if values.get("phase") == progress.CHECK]
    size = path.stat().st_size
    assert checks and checks[-1]["done_bytes"] == checks[-1]["total_bytes"] == 2 * size


def test_a_file_without_records_ends_with_a_warning(client, member_of, django_capture_on_commit_callbacks):
    client.force_login(member_of(Role.BUYER))
    empty = SimpleUploadedFile("vide.json", b'{"marches": {"marche": [], "contrat-concession": []}}')
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:upload"), {"file": empty})
    run = ImportRun.objects.get()
    assert (run.status, run.read_count, run.warning) == (ImportStatus.SUCCEEDED, 0, NO_RECORD_WARNING)
    page = client.get(response.url).content.decode()
    assert "Terminé, avec un avertissement" in page and "Aucun enregistrement trouvé dans le fichier" in page
    journal = client.get(reverse("imports:run_list")).content.decode()
    assert "Terminé, avec un avertissement" in journal


def test_a_file_with_records_has_no_warning(tmp_path):
    path = tmp_path / "un.json"
    path.write_text(json.dumps({"marches": [market()]}))
    run = services.decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED and run.read_count == 1 and run.warning == ""
    assert run.status_label == "Terminé"


def uploaded_run(**fields):
    run = ImportRun.objects.create(file_name="depot.json", **fields)
    run.uploaded_file.save("depot.json", ContentFile(json.dumps({"marches": [market()]}).encode()))
    return run


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), MemoryError(), KeyError("x")])
def test_the_worker_task_never_dies(monkeypatch, caplog, error):
    run = uploaded_run()

    def explode(**kwargs):
        raise error

    monkeypatch.setattr(tasks, "decp_import_file", explode)
    tasks.decp_import_task.call_local(run.pk)  # raises nothing
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.finished_at is not None
    assert run.error == UNEXPECTED_ERROR.format(pk=run.pk)
    assert type(error).__name__ in caplog.text  # the traceback is in the log


def test_an_unexpected_error_inside_the_import_ends_the_run_in_french(monkeypatch, caplog):
    run = uploaded_run()

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services.decp, "transform", explode)
    tasks.decp_import_task.call_local(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.error == UNEXPECTED_ERROR.format(pk=run.pk)
    assert "RuntimeError: boom" in caplog.text


def test_a_missing_stored_file_fails_the_run_in_french():
    run = uploaded_run()
    default_storage.delete(run.uploaded_file.name)
    tasks.decp_import_task.call_local(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.error == tasks.MISSING_FILE_ERROR


def test_the_upload_still_checks_the_csrf_token(member_of):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member_of(Role.BUYER))
    upload = SimpleUploadedFile("depot.json", padded_json(2_000), "application/json")
    assert client.post(reverse("imports:upload"), {"file": upload}).status_code == 403
    assert not ImportRun.objects.exists()


def test_retention_deletes_old_files_and_keeps_the_journals(settings, client, member_of):
    settings.SPASER_IMPORT_RETENTION_FAILED_DAYS = 7
    settings.SPASER_IMPORT_RETENTION_DAYS = 90
    now = timezone.now()
    ago = lambda days: now - dt.timedelta(days=days)  # noqa: E731
    succeeded = {"status": ImportStatus.SUCCEEDED}
    runs = {
        "failed_8_days": uploaded_run(status=ImportStatus.FAILED, finished_at=ago(8)),
        "failed_6_days": uploaded_run(status=ImportStatus.FAILED, finished_at=ago(6)),
        "dry_run_8_days": uploaded_run(**succeeded, dry_run=True, finished_at=ago(8)),
        "empty_8_days": uploaded_run(**succeeded, warning=NO_RECORD_WARNING, finished_at=ago(8)),
        "succeeded_8_days": uploaded_run(**succeeded, finished_at=ago(8)),
        "succeeded_89_days": uploaded_run(**succeeded, finished_at=ago(89)),
        "succeeded_91_days": uploaded_run(**succeeded, finished_at=ago(91)),
        "pending_100_days": uploaded_run(status=ImportStatus.PENDING),
        "running_100_days": uploaded_run(status=ImportStatus.RUNNING),
    }
    ImportRun.objects.filter(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]).update(created_at=ago(100))
    names = {key: run.uploaded_file.name for key, run in runs.items()}

    assert import_files_purge(now=now) == 4
    gone = {"failed_8_days", "dry_run_8_days", "empty_8_days", "succeeded_91_days"}
    assert {key for key, name in names.items() if not default_storage.exists(name)} == gone
    assert ImportRun.objects.count() == len(runs)  # every journal stays
    for key, run in runs.items():
        run.refresh_from_db()
        assert (run.file_deleted_at == now) is (key in gone)
        assert bool(run.uploaded_file) is (key not in gone)
        assert run.file_name == "depot.json"
    assert import_files_purge(now=now) == 0  # nothing twice

    client.force_login(member_of(Role.READER))
    page = client.get(reverse("imports:run_detail", args=[runs["failed_8_days"].pk])).content.decode()
    assert f"Fichier supprimé le {timezone.localdate(now):%d/%m/%Y} (durée de conservation : 7 jours" in page
    page = client.get(reverse("imports:run_detail", args=[runs["succeeded_91_days"].pk])).content.decode()
    assert "(durée de conservation : 90 jours)" in page


def test_purge_command_and_periodic_task(settings):
    settings.SPASER_IMPORT_RETENTION_FAILED_DAYS = 3
    old = uploaded_run(status=ImportStatus.FAILED, finished_at=timezone.now() - dt.timedelta(days=4))
    recent = uploaded_run(status=ImportStatus.FAILED, finished_at=timezone.now() - dt.timedelta(days=2))
    call_command("purge_import_files")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.file_deleted_at is not None and recent.file_deleted_at is None
    ImportRun.objects.filter(pk=recent.pk).update(finished_at=timezone.now() - dt.timedelta(days=5))
    tasks.import_files_purge_task.call_local()
    recent.refresh_from_db()
    assert recent.file_deleted_at is not None


def test_a_100000_deep_upload_fails_in_french_without_recursion_error(
    client, member_of, django_capture_on_commit_callbacks, caplog
):
    client.force_login(member_of(Role.BUYER))
    deep = '{"marches": {"marche": [' + "[" * 100_000 + "]" * 100_000 + "]}}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("profond.json", deep.encode())})
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert run.error.startswith("JSON invalide ligne 1, colonne 86 (dans l'enregistrement n° 1) : imbrication de plus")
    assert "RecursionError" not in caplog.text
    assert "imbrication de plus de 64 niveaux" in html.unescape(client.get(response.url).content.decode())
