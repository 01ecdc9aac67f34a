"""Journey: a buyer looks for waste-collection actors around a commune, on the map and in the list, opens one;
then does the same from the potential-suppliers panel of a purchase; the public map shows published actors."""

import re

import pytest
from django.conf import settings

from spaser.accounts.enums import Role
from tests.actors.conftest import families, geo, taxonomy  # noqa: F401 (fixtures)
from tests.actors.factories import make_actor
from tests.e2e.conftest import assert_accessible, login


@pytest.fixture
def actors(geo, taxonomy, families):  # noqa: F811
    collect = make_actor(
        "Collecte DEEE du Drouais",
        commune=geo["Dreux"],
        siret="34255976200279",
        kinds=["waste_collection", "ei"],
        natures=["waste:deee"],
        families=["DECHETS"],
    )
    make_actor("Printerrea", commune=geo["Vernouillet"], kinds=["ea"], natures=["waste:deee"], families=["DECHETS"])
    make_actor("Biodéchets du Drouais", commune=geo["Dreux"], kinds=["waste_collection"], natures=["waste:biodechets"])
    make_actor("DEEE de Tours", commune=geo["Tours"], kinds=["waste_collection"], natures=["waste:deee"])
    return collect


@pytest.fixture
def page(page):
    """The shared page, also recording uncaught script errors (the map must not fail silently)."""
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def _no_csp_errors(page):
    errors = [message for message in page.console_errors if "Content Security Policy" in message or "CSP" in message]
    assert not errors, errors
    assert not page.console_errors, page.console_errors
    assert not page.script_errors, page.script_errors


def test_search_by_waste_type_commune_and_radius_on_map_and_list(page, demo_users, actors):
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Acteurs responsables"
    ).click()
    page.get_by_label("Déchets, objets ou produits traités").select_option("waste:deee")
    page.get_by_label("Commune, code INSEE ou code postal").fill("Dreux")
    page.get_by_label("Rayon autour du lieu").select_option("30")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r".*rayon=30.*"))
    assert all(part in page.url for part in ("nature=waste%3Adeee", "lieu=Dreux"))  # a shareable link
    rows = page.locator("table.actors-list tbody tr")
    assert rows.count() == 2
    assert "Collecte DEEE du Drouais" in rows.nth(0).inner_text()
    assert "Printerrea" in rows.nth(1).inner_text()
    # The map draws the same two actors (vector markers, no tiles configured) and says so for screen readers.
    page.wait_for_selector('#actors-map[data-loaded-features="2"]', state="attached")
    assert (
        page.locator("#actors-map path.actors-marker").count() == 2
        or page.locator("#actors-map .marker-cluster").count() == 1
    )
    assert "2 acteurs dans la zone affichée" in page.locator("#actors-map-status").inner_text()
    assert_accessible(page)
    _no_csp_errors(page)
    page.get_by_role("link", name="Collecte DEEE du Drouais").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Collecte DEEE du Drouais")
    assert "Sources" in page.locator("main").inner_text()
    assert_accessible(page)
    _no_csp_errors(page)


def test_same_search_from_the_potential_suppliers_panel(page, demo_users, actors):
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/acteurs/fournisseurs-potentiels/?famille=DECHETS&commune=28134")
    panel = page.get_by_role("region", name="Fournisseurs potentiels")
    assert "Réserver" in panel.inner_text()  # one SIAE and one EA: reserve a lot
    assert_accessible(page)
    panel.get_by_role("link", name="Voir ces acteurs sur la carte et dans la liste").click()
    page.wait_for_selector('#actors-map[data-loaded-features="2"]', state="attached")
    assert page.locator("table.actors-list tbody tr").count() == 2
    _no_csp_errors(page)


def test_public_map_shows_published_actors_without_login(page, actors):
    from spaser.actors.services import actor_publish

    actor_publish(actor=actors, by=None, published=True)
    page.goto("/acteurs/carte-publique/")
    rows = page.locator("table.actors-list tbody tr")
    assert rows.count() == 1 and "Collecte DEEE du Drouais" in rows.nth(0).inner_text()
    page.wait_for_selector('#actors-map[data-loaded-features="1"]', state="attached")
    assert_accessible(page)
    _no_csp_errors(page)


def test_correct_an_intervention_area_then_publish_from_the_list(page, demo_users, actors):
    """The platform administrator (the demo administrator) says that the Drouais collector also works in
    Indre-et-Loire: a search around Tours finds it, flagged; she publishes it from the list and the public map
    shows it."""
    login(page, demo_users[Role.ADMIN], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/acteurs/{actors.pk}/corriger/")
    assert_accessible(page)
    page.get_by_label("Zone d'intervention").select_option("departements")
    page.get_by_label("Communes ou départements d'intervention").fill("28, 37")
    page.get_by_label("Motif de la correction").fill("Zone confirmée par téléphone")
    page.get_by_role("button", name="Enregistrer la correction").click()
    page.wait_for_url(f"**/acteurs/{actors.pk}/")
    assert "Zone confirmée par téléphone" in page.locator("main").inner_text()  # kept in the history
    page.goto("/acteurs/?lieu=Tours&rayon=10")
    rows = page.locator("table.actors-list tbody tr")
    assert rows.count() == 2
    assert "DEEE de Tours" in rows.nth(0).inner_text()
    assert "Collecte DEEE du Drouais" in rows.nth(1).inner_text()
    assert "Intervient sur la zone" in rows.nth(1).inner_text()
    assert_accessible(page)
    page.get_by_label("Sélectionner Collecte DEEE du Drouais").check()
    page.get_by_role("button", name="Publier la sélection sur la carte publique").click()
    page.wait_for_url(re.compile(r".*lieu=Tours.*"))
    assert "1 acteur publié" in page.locator("main").inner_text()
    _no_csp_errors(page)
    page.goto("/acteurs/carte-publique/")
    rows = page.locator("table.actors-list tbody tr")
    assert rows.count() == 1 and "Collecte DEEE du Drouais" in rows.nth(0).inner_text()


def test_the_platform_administrator_withdraws_an_official_list(page, demo_users, geo, taxonomy):  # noqa: F811
    """An official list is on the public map once loaded; the environment agent reads the sources page but is
    offered no withdrawal (the directory is shared by every organisation); the platform administrator (the demo
    administrator) withdraws it and the public list and map no longer show its actors."""
    from spaser.actors import services
    from spaser.actors.enums import SourceKind

    official = services.source_ensure(
        code="esat-officiels",
        name="ESAT (liste officielle)",
        kind=SourceKind.OPEN_DATA,
        licence="Licence Ouverte 2.0",
        published_when_created=True,
    )
    make_actor("ESAT de Tours", commune=geo["Tours"], kinds=["esat"], source=official)
    page.goto("/acteurs/carte-publique/")
    assert "ESAT de Tours" in page.locator("table.actors-list").inner_text()

    login(page, demo_users[Role.ENVIRONMENT], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/acteurs/sources/")
    assert "ESAT (liste officielle)" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Retirer « ESAT (liste officielle) » de la carte publique").count() == 0
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/compte/connexion/**")

    login(page, demo_users[Role.ADMIN], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/acteurs/sources/")
    assert_accessible(page)
    page.get_by_role("button", name="Retirer « ESAT (liste officielle) » de la carte publique").click()
    page.wait_for_url("**/acteurs/sources/")
    assert "1 acteur retiré de la carte publique" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/compte/connexion/**")
    page.goto("/acteurs/carte-publique/")
    assert "ESAT de Tours" not in page.locator("main").inner_text()
    page.wait_for_selector('#actors-map[data-loaded-features="0"]', state="attached")
    _no_csp_errors(page)
