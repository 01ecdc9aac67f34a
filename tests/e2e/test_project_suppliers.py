"""Journey (issue 8, point 4): from a purchase project's page, the buyer reads the "fournisseurs potentiels" panel
for the project's family and place of execution, with its recommendation and legal basis, then follows it to the
map and the list of those actors and opens one."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from spaser.accounts.demo import home_organisation_ensure
from spaser.accounts.enums import Role
from tests.actors.conftest import families, geo, taxonomy  # noqa: F401 (fixtures)
from tests.actors.factories import make_actor
from tests.e2e.conftest import assert_accessible, login
from tests.strategies.factories import PurchaseProjectFactory


@pytest.fixture
def project(geo, taxonomy, families, demo_users):  # noqa: F811
    make_actor(
        "Collecte DEEE du Drouais",
        commune=geo["Dreux"],
        siret="34255976200279",
        kinds=["waste_collection", "ei"],
        natures=["waste:deee"],
        families=["DECHETS"],
    )
    make_actor("Printerrea", commune=geo["Vernouillet"], kinds=["ea"], natures=["waste:deee"], families=["DECHETS"])
    # Same family but far from Dreux: the panel must not count it.
    make_actor("DEEE de Tours", commune=geo["Tours"], kinds=["waste_collection"], families=["DECHETS"])
    return PurchaseProjectFactory(
        organisation=home_organisation_ensure(),
        subject="Collecte et traitement des DEEE des lycées du Drouais",
        family=families["DECHETS"],
        execution_commune=geo["Dreux"],
    )


def test_potential_suppliers_from_the_project_page(page, demo_users, project):
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(reverse("strategies:project_detail", args=[project.pk]))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Collecte et traitement des DEEE")
    panel = page.get_by_role("region", name="Fournisseurs potentiels")
    text = panel.inner_text()
    assert "Dreux (28134)" in text
    assert re.search(r"\b2\s+acteurs responsables", text), text  # Tours is beyond the radius
    assert "Recommandation" in text and "Fondement" in text and "L2113-1" in text
    assert_accessible(page)
    panel.get_by_role("link", name="Voir ces acteurs sur la carte et dans la liste").click()
    page.wait_for_selector('#actors-map[data-loaded-features="2"]', state="attached")
    rows = page.locator("table.actors-list tbody tr")
    assert rows.count() == 2
    names = rows.all_inner_texts()
    assert any("Collecte DEEE du Drouais" in row for row in names)
    assert any("Printerrea" in row for row in names)
    assert_accessible(page)
    page.get_by_role("link", name="Printerrea").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Printerrea")
    assert_accessible(page)
