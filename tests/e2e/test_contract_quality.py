"""Data-quality journey: a buyer's anomaly counts, from a count to the contracts behind it and to one of them;
every page passes axe-core without serious or critical violation."""

import json

import pytest
from django.conf import settings

from spaser.accounts.enums import Role
from spaser.imports.services import decp_import_file
from tests.e2e.conftest import assert_accessible, login
from tests.imports.conftest import SHARED_DATA
from tests.imports.test_decp_duplicates import OTHER, other_contract, real_record
from tests.imports.test_decp_pipeline import market

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared/data absent")


def check(page):
    assert_accessible(page)
    assert "INVALID_TEMPLATE_VARIABLE" not in page.content()


def test_from_an_anomaly_count_to_its_records(page, demo_users, tmp_path):
    record = real_record()  # dematis13.json, buyer 28741020300015
    zero = market(id="E2E-ZERO", acheteur={"id": record["acheteur"]["id"]}, montant=0)
    path = tmp_path / "qualite-e2e.json"
    records = [record, other_contract(record, **OTHER), zero]
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), encoding="utf-8")
    decp_import_file(path=path)

    login(page, demo_users[Role.READER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Contrats").click()
    page.get_by_role("link", name="Qualité des données").click()
    check(page)
    page.get_by_label("SIRET de l'acheteur").fill(record["acheteur"]["id"])
    page.get_by_role("button", name="Afficher").click()
    counts = page.get_by_role("table", name="Anomalies relevées")
    assert "Montant nul" in counts.inner_text()
    assert "doublon_divergent" not in page.locator("main").inner_text()
    check(page)

    counts.get_by_role("link", name="1 contrat : Même identifiant publié pour deux contrats différents").click()
    main = page.locator("main")
    assert page.get_by_role("heading", level=1).inner_text() == "Même identifiant publié pour deux contrats différents"
    assert "Prestations de maitrise d'oeuvre" in main.inner_text()  # the other publication, kept
    assert "objet, titulaires, date de notification" in main.inner_text()
    check(page)

    page.get_by_role("link", name=OTHER["objet"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == OTHER["objet"]
    other = page.get_by_role("table", name="Autres publications de l'identifiant")
    assert "Prestations de maitrise d'oeuvre" in other.inner_text()
    check(page)

    page.get_by_role("link", name="Qualité des données de cet acheteur").click()
    page.get_by_role("table", name="Anomalies relevées").get_by_role("link", name="1 contrat : Montant nul").click()
    assert "E2E-ZERO" in page.locator("main").inner_text()
    check(page)
    assert not page.console_errors, page.console_errors
