"""Import journey in the browser: upload with its progress, then the import's end on its journal page (a
summary, a warning for a file without records, a French explanation for an unreadable file); the size limit
is enforced before sending; every page passes axe-core without serious or critical violation."""

import json
import re

from django.conf import settings

from spaser.accounts.enums import Role
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun
from tests.e2e.conftest import assert_accessible, login
from tests.imports.test_decp_pipeline import market

JOURNAL_PAGE = re.compile(r".*/imports/\d+/$")


def check(page):
    assert_accessible(page)
    assert "INVALID_TEMPLATE_VARIABLE" not in page.content()
    assert not page.console_errors, page.console_errors


def open_upload_page(page, demo_users):
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/imports/deposer/")


def test_upload_progress_then_the_end_of_the_import(page, demo_users, tmp_path):
    records = [market(id="E2E-UP-1"), market(id="E2E-UP-2", acheteur={"id": "SIRET-INVENTE"})]
    path = tmp_path / "depot-progression.json"
    # About 1.5 MB (blanks after the records): long enough to watch its upload at 256 KB/s.
    path.write_text(json.dumps({"marches": {"marche": records}}) + " " * 1_500_000, encoding="utf-8")
    open_upload_page(page, demo_users)
    check(page)
    assert page.locator("#upload-progress").is_hidden()

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )
    page.get_by_label("Fichier DECP").set_input_files(str(path))
    page.get_by_role("button", name="Importer").click()

    # While it is sent: the bar moves, the live region says how far, the button waits.
    bar = page.locator("#upload-progress-bar")
    bar.wait_for(state="visible")
    page.wait_for_function(
        "() => { const bar = document.getElementById('upload-progress-bar');"
        " return bar.value > 0 && bar.value < 100; }"
    )
    status = page.get_by_role("status").filter(has_text="Envoi du fichier")
    assert "Envoi du fichier :" in status.inner_text() and " sur " in status.inner_text()
    assert page.get_by_role("button", name="Importer").is_disabled()
    check(page)

    # Then the journal page, once the import is over (the worker runs at once in tests).
    page.wait_for_url(JOURNAL_PAGE, timeout=60_000)
    run = ImportRun.objects.get(file_name="depot-progression.json")
    assert run.status == ImportStatus.SUCCEEDED
    main = page.locator("main")
    assert "Le fichier est déposé : son import a commencé." in main.inner_text()
    summary = page.get_by_role("table", name="Enregistrements lus")
    assert "2" in summary.get_by_role("row", name="Lus").inner_text()
    assert "1" in summary.get_by_role("row", name="Rejetés").inner_text()
    assert "1,4" in main.inner_text()  # the real size (1,4 Mio), not « 0 octet »
    assert "Conservé 90 jours après la fin de l'import" in main.inner_text()
    check(page)


def test_a_file_without_records_and_an_unreadable_file(page, demo_users, tmp_path):
    empty = tmp_path / "vide.json"
    empty.write_text('{"marches": {"marche": []}}', encoding="utf-8")
    open_upload_page(page, demo_users)
    page.get_by_label("Fichier DECP").set_input_files(str(empty))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url(JOURNAL_PAGE)
    warning = page.get_by_role("alert").filter(has_text="avertissement")
    assert "Aucun enregistrement trouvé dans le fichier" in warning.inner_text()
    check(page)

    broken = tmp_path / "casse.json"
    text = '{"marches": [{"id": "1", "objet": "Lot 1"}, {"id": 2 "objet": "Lot 2"}]}'
    broken.write_text(text, encoding="utf-8")
    column = text.index('"objet": "Lot 2"') + 1
    page.goto("/imports/deposer/")
    page.get_by_label("Fichier DECP").set_input_files(str(broken))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url(JOURNAL_PAGE)
    failure = page.get_by_role("alert").filter(has_text="n'a pas été importé")
    assert (
        f"JSON invalide ligne 1, colonne {column} (dans l'enregistrement n° 2) : virgule « , » ou fin de "
        "l'objet ou du tableau attendue, caractère « \" » trouvé" in failure.inner_text()
    )
    check(page)

    page.get_by_role("link", name="Journal des imports").click()
    row = page.get_by_role("row").filter(has_text="vide.json")
    assert "Terminé, avec un avertissement" in row.inner_text()
    check(page)


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page, demo_users, tmp_path, settings):
    settings.SPASER_UPLOAD_MAX_BYTES = 1000
    big = tmp_path / "gros.json"
    big.write_text(json.dumps({"marches": [market()]}) + " " * 2000, encoding="utf-8")
    open_upload_page(page, demo_users)
    page.get_by_label("Fichier DECP").set_input_files(str(big))
    page.get_by_role("button", name="Importer").click()
    status = page.get_by_role("status").filter(has_text="taille maximale")
    status.wait_for()
    assert "dépasse la taille maximale acceptée (1000 octets)" in status.inner_text()
    assert page.get_by_label("Fichier DECP").get_attribute("aria-invalid") == "true"
    assert not ImportRun.objects.exists()
    check(page)


def test_without_script_the_server_refuses_the_oversized_file(browser, live_server, demo_users, tmp_path, settings):
    settings.SPASER_UPLOAD_MAX_BYTES = 1000
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.console_errors = []
    try:
        big = tmp_path / "gros.json"
        big.write_text(json.dumps({"marches": [market()]}) + " " * 2000, encoding="utf-8")
        open_upload_page(page, demo_users)
        page.get_by_label("Fichier DECP").set_input_files(str(big))
        page.get_by_role("button", name="Importer").click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        assert "dépasse la taille maximale acceptée" in summary.inner_text()
        assert not ImportRun.objects.exists()
    finally:
        context.close()
