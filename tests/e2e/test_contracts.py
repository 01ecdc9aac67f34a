"""Contract data journey: upload a DECP file, follow the import, read the summary, a contract, a supplier
and the quarantine; every page passes axe-core without serious or critical violation."""

import json
import re

from django.conf import settings

from spaser.accounts.enums import Role
from spaser.imports.models import ImportRun
from tests.e2e.conftest import assert_accessible, login
from tests.imports.test_decp_pipeline import market


def check(page):
    assert_accessible(page)
    assert "INVALID_TEMPLATE_VARIABLE" not in page.content()


def decp_file(tmp_path):
    records = [
        market(id="E2E-1", objet="Entretien des espaces verts des lycées"),
        market(id="E2E-2", acheteur={"id": "SIRET-INVENTE"}, procedure="Procédure inventée"),
        market(id="E2E-3", objet="Nettoyage des locaux"),
    ]
    path = tmp_path / "depot-e2e.json"
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), encoding="utf-8")
    return path


def test_upload_follow_and_browse_the_imported_contracts(page, demo_users, tmp_path):
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Imports").click()
    check(page)
    page.get_by_role("link", name="Déposer un fichier DECP").click()
    check(page)
    page.get_by_label("Fichier DECP").set_input_files(str(decp_file(tmp_path)))
    page.get_by_role("button", name="Importer").click()

    # The worker ran the import (immediate in tests): the page shows the summary of the journal entry.
    # The upload page (/imports/deposer/) sends the file itself, then opens the journal page of the import.
    page.wait_for_url(re.compile(r".*/imports/\d+/$"))
    main = page.locator("main")
    assert "Résumé" in main.inner_text()
    summary = page.get_by_role("table", name="Enregistrements lus")
    assert "3" in summary.get_by_role("row", name="Lus").inner_text()
    assert "2" in summary.get_by_role("row", name="Créés").inner_text()
    assert "1" in summary.get_by_role("row", name="Rejetés").inner_text()
    assert "siret_invalide" in main.inner_text()
    check(page)

    page.get_by_role("link", name="Voir les 1 enregistrement en quarantaine").click()
    assert "SIRET-INVENTE" in page.locator("main").inner_text()
    check(page)

    nav.get_by_role("link", name="Contrats").click()
    page.get_by_label("Recherche").fill("espaces verts")
    page.get_by_role("button", name="Filtrer").click()
    check(page)
    page.get_by_role("link", name="Entretien des espaces verts des lycées").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Entretien des espaces verts des lycées"
    assert "Clause sociale" in page.locator("main").inner_text()
    check(page)

    page.get_by_role("table", name="Titulaires du contrat").get_by_role("link").first.click()
    assert "SIREN 552045999" in page.locator("main").inner_text()
    assert "Entretien des espaces verts des lycées" in page.locator("main").inner_text()
    check(page)
    assert not page.console_errors, page.console_errors


def test_progress_page_polls_until_the_import_ends(page, demo_users, tmp_path):
    """A queued import shows its progress; when the worker finishes, the page turns into the summary."""
    from django.core.files.base import ContentFile

    from spaser.accounts.models import Organisation
    from spaser.imports.services import decp_import_file

    login(page, demo_users[Role.ADMIN], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    organisation = Organisation.objects.get(memberships__user__email=demo_users[Role.ADMIN])
    path = decp_file(tmp_path)
    run = ImportRun(file_name=path.name, organisation=organisation)
    run.uploaded_file.save(path.name, ContentFile(path.read_bytes()))
    page.goto(f"/imports/{run.pk}/")
    assert "en attente du traitement" in page.locator("#run-progress").inner_text()
    check(page)
    decp_import_file(path=path, run=run)  # what the worker does
    page.get_by_role("heading", name="Résumé").wait_for(timeout=10_000)
    assert "Rejets par motif" in page.locator("main").inner_text()


def test_upload_of_the_national_flat_file_in_the_browser(page, demo_users, tmp_path):
    from tests.imports.test_decp_tabular import flat_rows, write_csv

    records = [market(id="PLAT-1", objet="Fourniture de mobilier scolaire"), market(id="PLAT-2")]
    path = write_csv(tmp_path / "decp-national.csv", flat_rows(records, "per_holder"))
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(page.url.rstrip("/") + "/imports/")
    page.get_by_role("link", name="Déposer un fichier DECP").click()
    assert "fichier national consolidé au format tabulaire" in page.locator("main").inner_text()
    check(page)
    page.get_by_label("Fichier DECP").set_input_files(str(path))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/imports/*/")
    summary = page.get_by_role("table", name="Enregistrements lus")
    assert "2" in summary.get_by_role("row", name="Créés").inner_text()
    assert "CSV" in page.locator("main").inner_text()
    check(page)
    assert not page.console_errors, page.console_errors
