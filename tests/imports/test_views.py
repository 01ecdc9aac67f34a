import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.contracts.models import Contract
from spaser.imports import progress
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun, QuarantinedRecord
from tests.imports.test_decp_pipeline import market


def decp_upload(records, name="depot.json"):
    return SimpleUploadedFile(name, json.dumps({"marches": {"marche": records}}).encode(), "application/json")


def test_upload_runs_in_the_worker_and_shows_the_summary(
    client, member_of, organisation, django_capture_on_commit_callbacks
):
    client.force_login(member_of(Role.BUYER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload"), {"file": decp_upload([market(id="1"), market(id="2", acheteur={"id": "?"})])}
        )
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:run_detail", args=[run.pk])
    assert run.organisation == organisation and run.created_by is not None
    assert run.status == ImportStatus.SUCCEEDED
    assert (run.created_count, run.rejected_count) == (1, 1)
    assert Contract.objects.count() == 1
    page = client.get(response.url).content.decode()
    assert "Résumé" in page and "siret_invalide" in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page
    quarantine = client.get(reverse("imports:quarantine"), {"run": run.pk})
    assert [r.external_id for r in quarantine.context["page"].object_list] == ["2"]
    export = client.get(reverse("imports:quarantine_export"), {"run": run.pk})
    assert "siret_invalide" in b"".join(export.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("name", ["national.csv", "national.parquet"])
def test_upload_of_the_national_flat_file(client, member_of, django_capture_on_commit_callbacks, tmp_path, name):
    from tests.imports.test_decp_tabular import flat_rows, write_csv, write_parquet

    rows = flat_rows([market(id="1"), market(id="2")], "per_holder")
    path = (write_csv if name.endswith(".csv") else write_parquet)(tmp_path / name, rows)
    client.force_login(member_of(Role.BUYER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(name, path.read_bytes())})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.file_format.startswith("CSV" if name.endswith(".csv") else "PARQUET")
    assert sorted(Contract.objects.values_list("external_id", flat=True)) == ["1", "2"]
    assert Contract.objects.get(external_id="1").modification_count == 2


def test_upload_refuses_other_extensions(client, member_of):
    client.force_login(member_of(Role.ADMIN))
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("x.xlsx", b"a;b")})
    assert response.status_code == 200
    assert "Seuls les fichiers" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_progress_fragment_while_running_then_refresh(client, member_of, organisation):
    client.force_login(member_of(Role.READER))
    run = ImportRun.objects.create(file_name="gros.json", status=ImportStatus.RUNNING, organisation=organisation)
    progress.publish(run.pk, done_bytes=50, total_bytes=200, read=1234)
    response = client.get(reverse("imports:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert "25 % du fichier lu, 1234 enregistrements" in response.content.decode()
    assert "HX-Refresh" not in response
    run.status = ImportStatus.SUCCEEDED
    run.save()
    response = client.get(reverse("imports:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    progress.clear(run.pk)


def test_run_page_names_anomalies_in_french(client, member_of):
    client.force_login(member_of(Role.READER))
    run = ImportRun.objects.create(
        file_name="a.json", status=ImportStatus.SUCCEEDED, anomalies_by_code={"montant_nul": 3, "code_futur": 1}
    )
    page = client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()
    assert "Montant nul (montant_nul) : 3" in page and "Code futur (code_futur) : 1" in page


def test_failed_run_page_explains_why(client, member_of):
    client.force_login(member_of(Role.READER))
    run = ImportRun.objects.create(file_name="x.xml", status=ImportStatus.FAILED, error="Fichier XML refusé : DTD")
    assert "Fichier XML refusé : DTD" in client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()


@pytest.mark.parametrize("url_name", ["imports:run_list", "imports:quarantine"])
def test_journal_pages_query_count(client, member_of, url_name, django_assert_max_num_queries):
    client.force_login(member_of(Role.READER))
    for index in range(15):
        run = ImportRun.objects.create(file_name=f"f{index}.json")
        QuarantinedRecord.objects.create(
            run=run, file_name="f", position=1, kind="marche", reasons=["x : y"], raw="{}"
        )
    with django_assert_max_num_queries(10):
        response = client.get(reverse(url_name))
    assert response.context["page"].paginator.count == 15


def test_other_organisation_uploads_are_hidden(client, member_of):
    from tests.accounts.factories import OrganisationFactory

    client.force_login(member_of(Role.READER))
    ImportRun.objects.create(file_name="autre.json", organisation=OrganisationFactory())
    ImportRun.objects.create(file_name="national.json")
    response = client.get(reverse("imports:run_list"))
    assert [r.file_name for r in response.context["page"].object_list] == ["national.json"]
