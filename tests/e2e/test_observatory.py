"""The public journey of the observatory: home → indicator → territory → open data → contact form sent."""

from decimal import Decimal

import pytest
from django.core import mail

from spaser.accounts.demo import home_organisation_ensure
from spaser.observatory.models import ContactRequest, PublishedIndicator
from spaser.referentiel.enums import SpaserStatus
from spaser.referentiel.models import Target
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import assert_accessible
from tests.referentiel.factories import ChantierFactory, IndicatorFactory, SpaserFactory


@pytest.fixture
def observatory_data():
    from spaser.geo.models import Departement, Region
    from spaser.observatory import page_cache

    page_cache.reset_for_tests()
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    for code, name in [("18", "Cher"), ("28", "Eure-et-Loir"), ("36", "Indre"), ("37", "Indre-et-Loire")]:
        Departement.objects.create(code=code, name=name, region=region)
    loir_et_cher = Departement.objects.create(code="41", name="Loir-et-Cher", region=region)
    Departement.objects.create(code="45", name="Loiret", region=region)
    home = home_organisation_ensure()
    spaser = SpaserFactory(organisation=home, status=SpaserStatus.ADOPTED, title="SPASER de la Région")
    indicator = IndicatorFactory(
        chantier=ChantierFactory(spaser=spaser, title="Clauses sociales"),
        code="IND-SOC",
        label="Part des marchés avec une clause sociale",
        baseline_value=Decimal(10),
        baseline_year=2023,
    )
    Target.objects.create(indicator=indicator, year=2025, value=Decimal(20))
    Target.objects.create(indicator=indicator, year=2027, value=Decimal(30))
    PublishedIndicator.objects.create(indicator=indicator, is_public=True)
    commune = OrganisationFactory(name="Commune de Vendôme", kind="commune", departement_code="41")
    ContractFactory(buyer=commune, place_departement=loir_et_cher, considerations_published=True, social_clause=True)
    ContractFactory(buyer=home, considerations_published=True)
    return home


def test_public_journey(page, observatory_data, settings):
    settings.SPASER_OPEN_DATA_PUBLISH = True
    page.goto("/observatoire/")
    assert page.get_by_role("heading", level=1).inner_text() == "Observatoire de l'achat public responsable"
    assert_accessible(page)

    page.get_by_role("link", name="Part des marchés avec une clause sociale").click()
    page.wait_for_url("**/observatoire/indicateurs/IND-SOC/")
    # Nothing measured yet: an empty state with the baseline and targets, no chart, no table of blanks.
    empty_state = page.locator(".no-values").inner_text()
    assert "Aucune valeur mesurée pour cet indicateur." in empty_state and "30 % en 2027" in empty_state
    assert page.locator("figure svg").count() == 0
    assert_accessible(page)
    from spaser.indicators.services import manual_value_save
    from spaser.referentiel.models import Indicator
    from tests.accounts.factories import UserFactory

    manual_value_save(
        indicator=Indicator.objects.get(code="IND-SOC"),
        year=2024,
        value=Decimal(15),
        proof_link="https://example.fr/bilan-2024",
        by=UserFactory(),
    )
    page.reload()
    table = page.get_by_role("table", name="Trajectoire de l'indicateur IND-SOC")
    assert "2027" in table.inner_text()
    assert page.locator("figure svg").count() == 1
    assert_accessible(page)

    page.get_by_role("navigation", name="Observatoire").get_by_role("link", name="Les acheteurs du territoire").click()
    page.wait_for_url("**/observatoire/territoire/")
    assert "Commune de Vendôme" in page.get_by_role("table", name="Commune").inner_text()
    assert page.locator("svg.obs-map path").count() == 6
    map_title = page.locator("#map-title").inner_text()
    assert map_title == "Part des marchés avec une considération sociale, par département d'exécution"
    departements = page.get_by_role("table", name="Marchés et considérations par département").inner_text()
    assert "41 – Loir-et-Cher\t1\t100.0 %" in departements or "41 – Loir-et-Cher\t1\t100,0 %" in departements
    assert "36 – Indre" in departements
    assert_accessible(page)

    page.get_by_role("navigation", name="Observatoire").get_by_role("link", name="Données ouvertes").click()
    page.wait_for_url("**/observatoire/donnees/")
    assert "Licence Ouverte 2.0" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV – Référentiel des critères et clauses d'achat responsable").click()
    assert download.value.suggested_filename == "criteres.csv"
    assert_accessible(page)

    page.get_by_role("navigation", name="Observatoire").get_by_role("link", name="Cellule TPE/PME").click()
    page.get_by_label("Entreprise").fill("Menuiserie Martin")
    page.get_by_label("SIRET").fill("1234")
    page.get_by_label("Vos nom et prénom").fill("Alex Martin")
    page.get_by_label("Adresse électronique").fill("alex@example.fr")
    page.get_by_label("Objet").fill("Répondre au lot menuiserie")
    page.get_by_label("Message").fill("Comment constituer le dossier ?")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Envoyer").click()
    assert "14 chiffres" in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    # The refused post answers 400 on purpose: the browser logs it, nothing else may be logged.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()
    page.get_by_label("SIRET").fill("")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/observatoire/contact/envoye/")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre demande a été envoyée"
    assert_accessible(page)
    assert ContactRequest.objects.get().company == "Menuiserie Martin"
    assert mail.outbox[0].to == ["alex@example.fr"]
    assert not page.console_errors, page.console_errors


def test_api_docs_page_renders_swagger_without_csp_errors(page, observatory_data):
    page.goto("/api/")
    main = page.get_by_role("main")
    main.get_by_role("heading", level=1, name="API publique de l'observatoire").wait_for()
    assert main.get_by_role("link", name="Critères et clauses").get_attribute("href") == "/api/v1/criteres/"
    assert "Licence Ouverte 2.0" in main.inner_text()
    assert_accessible(page)
    main.get_by_role("link", name="Documentation interactive").click()
    page.wait_for_url("**/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() >= 6
    assert not page.console_errors, page.console_errors


def test_the_closed_open_data_catalogue_says_so_accessibly(page, observatory_data, settings):
    settings.SPASER_OPEN_DATA_PUBLISH = False
    page.goto("/observatoire/donnees/")
    assert "ne sont pas encore ouverts" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="CSV – Référentiel des critères et clauses d'achat responsable").count() == 0
    assert (
        page.get_by_role("link", name="Schéma – Référentiel des critères et clauses d'achat responsable").count() == 1
    )
    assert_accessible(page)
    assert not page.console_errors, page.console_errors
