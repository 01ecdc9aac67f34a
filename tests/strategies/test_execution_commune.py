"""The place of execution of a project: typed as an INSEE code or "name (department)", resolved on the server."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.geo.models import Commune, Departement, PostalCode, Region
from spaser.strategies import selectors, services
from spaser.strategies.forms import CommuneField
from tests.referentiel.factories import FamilyFactory
from tests.strategies.factories import PurchaseProjectFactory
from tests.strategies.test_views import form_data, text


def words(response) -> str:
    return " ".join(text(response).split())


@pytest.fixture
def communes():
    centre = Region.objects.create(code="24", name="Centre-Val de Loire")
    indre_et_loire = Departement.objects.create(code="37", name="Indre-et-Loire", region=centre)
    loiret = Departement.objects.create(code="45", name="Loiret", region=centre)
    cher = Departement.objects.create(code="18", name="Cher", region=centre)
    tours = Commune.objects.create(
        code="37261", name="Tours", departement=indre_et_loire, latitude=47.39, longitude=0.69
    )
    PostalCode.objects.create(code="37000", commune=tours)
    PostalCode.objects.create(code="37100", commune=tours)
    return {
        "tours": tours,
        "saint_denis_loiret": Commune.objects.create(code="45273", name="Saint-Denis-en-Val", departement=loiret),
        "ivoy_cher": Commune.objects.create(code="18115", name="Ivoy-le-Pré", departement=cher),
        "ivoy_loiret": Commune.objects.create(code="45175", name="Ivoy-le-Pré", departement=loiret),
    }


@pytest.mark.parametrize(
    "typed", ["37261", "Tours", "tours", "Tours (37)", "Tours (Indre-et-Loire)", "Tours (37261)", "  Tours  (37) "]
)
def test_accepted_spellings(communes, typed):
    assert CommuneField().clean(typed) == communes["tours"]


def test_homonyms_need_the_department(communes):
    field = CommuneField()
    with pytest.raises(ValidationError) as caught:
        field.clean("Ivoy-le-Pré")
    assert caught.value.messages == [
        "Plusieurs communes s'appellent « Ivoy-le-Pré » : Ivoy-le-Pré (18), Ivoy-le-Pré (45). "
        "Précisez le département, ex. « Ivoy-le-Pré (18) », ou le code INSEE."
    ]
    assert field.clean("Ivoy-le-Pré (45)") == communes["ivoy_loiret"]
    assert field.clean("ivoy-le-pré (cher)") == communes["ivoy_cher"]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("37000", "« 37000 » est un code postal, pas un code INSEE. Communes desservies : Tours (37261)."),
        ("99999", "Aucune commune n'a le code INSEE « 99999 »."),
        ("Toursx", "Commune inconnue : « Toursx »."),
        ("Tours (45)", "Commune inconnue : « Tours (45) » dans le département « 45 »."),
        ("Orléans (37261)", "Le code INSEE 37261 est celui de Tours, pas de « Orléans »."),
    ],
)
def test_bad_input_says_what_was_not_understood(communes, typed, message):
    with pytest.raises(ValidationError) as caught:
        CommuneField().clean(typed)
    assert caught.value.messages[0].startswith(message)


def test_empty_is_allowed():
    assert CommuneField(required=False).clean("  ") is None


@pytest.fixture
def buyer_client(client, people):
    client.force_login(people[Role.BUYER])
    return client


def test_form_saves_the_commune_and_the_page_shows_it_with_the_panel(buyer_client, organisation, communes):
    project = PurchaseProjectFactory(organisation=organisation, family=FamilyFactory(code="NETTOYAGE"))
    response = buyer_client.post(
        reverse("strategies:project_edit", args=[project.pk]),
        form_data(project, execution_commune="Tours (37)", family=project.family_id),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.execution_commune == communes["tours"]
    edit_page = text(buyer_client.get(reverse("strategies:project_edit", args=[project.pk])))
    assert 'value="Tours (37261)"' in edit_page and 'list="communes-suggestions"' in edit_page
    page = words(buyer_client.get(reverse("strategies:project_detail", args=[project.pk])))
    assert "Lieu principal d'exécution" in page and "Tours (37261)" in page
    assert "Fournisseurs potentiels" in page and "à 50 km au plus de Tours (37261)" in page


def test_a_bad_commune_is_refused_and_nothing_is_saved(buyer_client, organisation, communes):
    project = PurchaseProjectFactory(organisation=organisation, subject="Avant")
    response = buyer_client.post(
        reverse("strategies:project_edit", args=[project.pk]),
        form_data(project, subject="Après", execution_commune="Ivoy-le-Pré"),
    )
    page = text(response)
    assert response.status_code == 200
    assert "Plusieurs communes s'appellent « Ivoy-le-Pré »" in page
    assert 'href="#id_execution_commune"' in page  # the error summary names and links the field
    project.refresh_from_db()
    assert (project.subject, project.execution_commune) == ("Avant", None)


def test_the_panel_says_what_is_missing(buyer_client, organisation, communes):
    project = PurchaseProjectFactory(organisation=organisation, execution_commune=communes["tours"])
    page = words(buyer_client.get(reverse("strategies:project_detail", args=[project.pk])))
    assert "Indiquez la famille d'achat de la fiche pour voir" in page
    project = PurchaseProjectFactory(organisation=organisation, family=FamilyFactory())
    page = words(buyer_client.get(reverse("strategies:project_detail", args=[project.pk])))
    assert "Indiquez le lieu principal d'exécution (commune) de la fiche" in page


def test_suggestions_list_communes_starting_with_the_text(buyer_client, communes):
    url = reverse("strategies:commune_suggestions")
    page = text(buyer_client.get(url, {"execution_commune": "ivoy"}))
    assert page.count("<option") == 2 and 'value="Ivoy-le-Pré (18115)"' in page
    assert 'value="Tours (37261)"' in text(buyer_client.get(url, {"execution_commune": "3726"}))
    assert "<option" not in text(buyer_client.get(url, {"execution_commune": "t"}))


def test_the_validation_snapshot_keeps_the_commune(organisation, people, communes):
    project = PurchaseProjectFactory(
        organisation=organisation, compliant=True, submitted=True, execution_commune=communes["tours"]
    )
    services.project_validate(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert project.snapshot["fields"]["execution_commune"] == "Tours (37261)"
    assert selectors.project_report(project) is not None
