"""Journey through the decision dashboard: overview → chantier (chart drawn under the CSP) → indicator →
drill-down list → export; a pilot enters a manual value with a proof; no serious or critical axe violation."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from spaser.accounts.enums import Role
from spaser.accounts.models import Organisation
from spaser.indicators.models import ManualValue
from spaser.indicators.services import indicator_values_compute
from spaser.referentiel.services import referentiel_defaults_ensure
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import assert_accessible, login


@pytest.fixture
def dashboard(demo_users):
    organisation = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    referentiel_defaults_ensure(organisation=organisation)
    ContractFactory(buyer=organisation, environmental=True, external_id="2024-ENV-1")
    ContractFactory(buyer=organisation, social=True, external_id="2024-SOC-1")
    ContractFactory(buyer=organisation, social=True, external_id="2024-SOC-2")
    indicator_values_compute(organisation=organisation, years=[2023, 2024])
    return demo_users


def test_reader_goes_from_the_overview_to_the_contracts_counted_and_exports(page, dashboard):
    login(page, dashboard[Role.READER], settings.SPASER_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Tableau de bord").click()
    page.get_by_label("Année").select_option("2024")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("situation 2024").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="A-V – Élargir le périmètre des marchés concernés").click()
    page.get_by_role("heading", level=1, name="Chantier A-V").wait_for()
    chart = page.locator(".vega-chart").first
    # The chart is drawn by vega-embed with the expression interpreter: no eval, so the CSP allows it.
    expect(chart).to_have_attribute("data-chart-ready", "true")
    assert chart.locator("svg").count() >= 1
    assert_accessible(page)
    page.get_by_role("link", name="PNAD-SOC – Part des marchés notifiés").first.click()
    table = page.get_by_role("table", name="Valeurs de l'indicateur PNAD-SOC par année, trajectoire, cible et statut")
    expect(table).to_contain_text("66,67 %")
    assert_accessible(page)
    page.get_by_role("link", name="détail 2024").click()
    rows = page.get_by_role("table", name="Enregistrements comptés pour l'indicateur PNAD-SOC en 2024")
    expect(rows).to_contain_text("2024-SOC-2")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename == "detail-PNAD-SOC-2024.xlsx"
    assert not page.console_errors, page.console_errors


def test_pilot_enters_a_manual_value_with_a_proof(page, dashboard, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    proof = tmp_path / "emargements.pdf"
    proof.write_bytes(b"%PDF-1.4 feuilles d'emargement")
    login(page, dashboard[Role.PILOT], settings.SPASER_DEMO_PASSWORD)
    page.goto("/tableau-de-bord/")
    page.get_by_role("link", name="T-FOR – ").first.click()
    page.get_by_role("link", name="T-FOR-1 – Agents formés aux achats responsables").click()
    # No value yet: an empty state says who enters it, instead of an empty chart and a table of dashes.
    expect(page.locator(".no-values")).to_contain_text("Aucune valeur mesurée pour cet indicateur.")
    assert page.locator(".vega-chart").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Saisir une valeur").click()
    page.get_by_label("Année").select_option("2024")
    page.get_by_label("Valeur (agents)").fill("12,5 %")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("pas en pourcentage")
    assert_accessible(page)
    page.get_by_label("Valeur (agents)").fill("1 234")
    page.get_by_label("Commentaire").fill("Sessions du plan de formation")
    page.get_by_label("Justificatif (fichier)").set_input_files(str(proof))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("table", name="Historique des valeurs saisies pour l'indicateur T-FOR-1")).to_contain_text(
        "Sessions du plan de formation"
    )
    assert_accessible(page)
    manual = ManualValue.objects.get(indicator__code="T-FOR-1", year=2024)
    assert manual.value == 1234 and manual.proof_file.name.endswith(".pdf")
    assert not page.console_errors, page.console_errors


def test_reader_selects_a_scope_and_a_spaser_period_on_an_indicator(page, dashboard):
    import datetime as dt

    from spaser.referentiel.models import Family

    organisation = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    family = Family.objects.exclude(parent=None).order_by("code").first()
    ContractFactory(buyer=organisation, environmental=True, family=family, notified_on=dt.date(2023, 3, 1))
    ContractFactory(buyer=organisation, social=True, family=family, notified_on=dt.date(2025, 3, 1))
    indicator_values_compute(organisation=organisation, years=list(range(2023, 2028)))
    login(page, dashboard[Role.READER], settings.SPASER_DEMO_PASSWORD)
    from spaser.referentiel.models import Indicator

    indicator = Indicator.objects.get(spaser__organisation=organisation, code="PNAD-ENV")
    page.goto(f"/tableau-de-bord/chantiers/{indicator.chantier_id}/")
    page.get_by_role("link", name="PNAD-ENV – ").first.click()
    periods = page.get_by_role("table", name="Valeurs de l'indicateur PNAD-ENV sur les périodes du SPASER")
    expect(periods).to_contain_text("2023 à 2025")
    page.get_by_label("Périmètre").select_option("family")
    page.get_by_label("Période", exact=True).select_option("2023-2027")
    page.get_by_role("button", name="Afficher par périmètre").click()
    table = page.get_by_role("table", name="Famille d'achat, 2023 à 2027 : valeurs de l'indicateur PNAD-ENV")
    expect(table).to_contain_text(family.label)
    expect(table).to_contain_text("50 %")
    assert_accessible(page)
    table.get_by_role("link", name="détail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("de 2023 à 2027")
    expect(page.get_by_text("2 enregistrements au dénominateur")).to_be_visible()
    assert_accessible(page)
    assert not page.console_errors, page.console_errors


def test_reader_reviews_the_mid_term_period_from_the_overview_to_its_records(page, dashboard):
    organisation = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    indicator_values_compute(organisation=organisation, years=list(range(2023, 2028)))
    login(page, dashboard[Role.READER], settings.SPASER_DEMO_PASSWORD)
    page.goto("/tableau-de-bord/")
    page.get_by_label("Année ou période").select_option(label="2023-2025 (bilan à mi-parcours)")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("situation 2023-2025 (bilan à mi-parcours)").wait_for()
    page.get_by_text("Comment le statut est-il établi ?").click()
    expect(page.get_by_text("moyenne des valeurs attendues")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="A-V – Élargir le périmètre des marchés concernés").click()
    page.get_by_role("heading", level=1, name="Chantier A-V").wait_for()
    expect(page.get_by_label("Année ou période")).to_have_value("2023-2025")
    # 2 of the 3 contracts notified from 2023 to 2025 are social: 66,67 %, over the 30 % target of 2025.
    table = page.get_by_role("table", name="Indicateurs du chantier A-V, 2023-2025 (bilan à mi-parcours)")
    expect(table).to_contain_text("66,67 %")
    assert_accessible(page)
    table.get_by_role("link", name="3 enregistrements comptés pour PNAD-SOC").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("de 2023 à 2025")
    expect(page.get_by_text("3 enregistrements au dénominateur")).to_be_visible()
    assert_accessible(page)
    assert not page.console_errors, page.console_errors
