"""Journey through the référentiels: browse, filter and search the criteria, open an item (back-office and
public page), the SPASER tree and a chantier with its targets; no serious or critical axe violation."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from spaser.accounts.enums import Role
from spaser.accounts.models import Organisation
from spaser.referentiel.services import referentiel_defaults_ensure
from tests.e2e.conftest import assert_accessible, login


@pytest.fixture
def referentiels(demo_users):
    organisation = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    referentiel_defaults_ensure(organisation=organisation)
    return demo_users


def test_buyer_filters_searches_and_opens_a_criterion(page, referentiels):
    login(page, referentiels[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Critères et clauses"
    ).click()
    page.get_by_role("heading", name="Référentiel des critères et clauses responsables").wait_for()
    assert_accessible(page)
    status = page.get_by_role("status")
    total = status.inner_text()
    # Filters apply as soon as they change (htmx), and the count is announced.
    page.get_by_label("Famille d'achat").select_option("ALIMENTATION")
    page.get_by_label("Type", exact=True).select_option("award_criterion")
    expect(status).to_have_text(re.compile(r"^\s*3 éléments"))
    results = page.locator("#criteria-results")
    assert "Fraîcheur, saisonnalité et circuit court" in results.inner_text()
    assert "family=ALIMENTATION" in page.url
    # Full-text search.
    page.get_by_label("Famille d'achat").select_option("")
    page.get_by_label("Type", exact=True).select_option("")
    page.get_by_label("Rechercher").fill("biométhane")
    expect(status).to_have_text(re.compile(r"^\s*2 éléments"))
    assert status.inner_text() != total
    assert_accessible(page)
    results.get_by_role("link", name="Part de biométhane dans la fourniture de gaz").click()
    page.get_by_role("heading", name="Part de biométhane dans la fourniture de gaz").wait_for()
    assert "Rédaction type" in page.locator("main").inner_text()
    # The criteria belong to no organisation: a buyer reads them, only a platform administrator edits them.
    assert page.get_by_role("link", name="Modifier cet élément").count() == 0
    assert_accessible(page)
    assert not page.console_errors, page.console_errors


def test_platform_administrator_edits_a_criterion_shown_on_the_public_page(page, referentiels):
    # The demo administrator is also the platform administrator (a superuser of the administration technique).
    login(page, referentiels[Role.ADMIN], settings.SPASER_DEMO_PASSWORD)
    page.goto("/referentiel/")
    page.get_by_role("heading", name="Référentiels de l'achat responsable").wait_for()
    assert "Vous êtes administrateur de la plateforme" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Critères et clauses", exact=True).click()
    page.get_by_label("Rechercher").fill("biométhane")
    page.locator("#criteria-results").get_by_role("link", name="Part de biométhane dans la fourniture de gaz").click()
    page.get_by_role("link", name="Modifier cet élément").click()
    assert_accessible(page)
    page.get_by_label("Intitulé").fill("Part de biométhane dans le gaz fourni")
    page.get_by_role("button", name="Enregistrer").click()
    assert "L'élément du référentiel a été modifié" in page.locator("main").inner_text()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/")
    page.goto("/referentiel/public/criteres/?q=biom%C3%A9thane")
    assert "Part de biométhane dans le gaz fourni" in page.locator("#criteria-results").inner_text()
    assert not page.console_errors, page.console_errors


def test_public_criteria_page_without_login(page, referentiels):
    page.goto("/referentiel/")
    main = page.get_by_role("main")
    main.get_by_role("heading", level=1, name="Référentiels de l'achat responsable").wait_for()
    assert main.get_by_role("link", name="L'API publique").get_attribute("href") == "/api/"
    assert_accessible(page)
    main.get_by_role("link", name="Critères et clauses responsables").click()
    page.wait_for_url("**/referentiel/public/criteres/")
    page.get_by_label("Dimension").select_option("social")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"dimension=social"))
    assert_accessible(page)
    page.locator("#criteria-results").get_by_role(
        "link", name="Marché ou lot réservé aux structures d'insertion par l'activité économique (SIAE)"
    ).click()
    page.get_by_role("heading", level=1).wait_for()
    main = page.locator("main").inner_text()
    assert "L2113-13" in main and "Modifier" not in main
    assert_accessible(page)
    assert not page.console_errors, page.console_errors


def test_reader_browses_the_spaser_tree_and_a_chantier(page, referentiels):
    login(page, referentiels[Role.READER], settings.SPASER_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="SPASER").click()
    page.get_by_role("link", name="Schéma de promotion des achats socialement et écologiquement responsables").click()
    page.get_by_role("heading", name="Axe C. Le transport décarboné").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Améliorer la performance énergétique et carbone des bâtiments de la Région").click()
    table = page.get_by_role("table", name="Indicateurs du chantier B-II")
    assert "-49 % en 2030" in table.inner_text()
    assert_accessible(page)
    page.goto("/referentiel/seuils/?buyer_kind=sub_central&nature=services&launch_date=2026-08-21&amount=216000")
    assert "Oui" in page.get_by_role("table", name="Obligations").inner_text()
    assert_accessible(page)
    assert not page.console_errors, page.console_errors


def test_buyer_edit_forms_are_accessible(page, referentiels):
    login(page, referentiels[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.goto("/referentiel/spaser/")
    page.get_by_role("link", name="Schéma de promotion des achats socialement et écologiquement responsables").click()
    page.get_by_role(
        "link", name="Gouvernance dynamique de suivi, de modification et d'évaluation du SPASER 2"
    ).click()
    page.get_by_role("link", name="Modifier le chantier").click()
    page.get_by_role("heading", name="Modifier le chantier T-GOV").wait_for()
    assert_accessible(page)
    page.get_by_label("Atteint (ligne 1)").check()
    page.get_by_role("button", name="Enregistrer").click()
    assert "Le chantier a été modifié" in page.locator("main").inner_text()
    page.get_by_role("link", name="Modifier l'indicateur T-GOV-1").click()
    page.get_by_role("heading", name="Indicateur T-GOV-1").wait_for()
    assert_accessible(page)
    assert not page.console_errors, page.console_errors
