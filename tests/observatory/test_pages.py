import html
from decimal import Decimal

import pytest
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.observatory.models import PublishedIndicator
from spaser.referentiel.enums import SpaserStatus
from tests.accounts.factories import MembershipFactory, OrganisationFactory
from tests.contracts.factories import ContractFactory
from tests.referentiel.factories import ChantierFactory, IndicatorFactory, SpaserFactory
from tests.strategies.factories import ProgrammeEntryFactory


def _text(response):
    return html.unescape(response.content.decode())


def test_home_shows_the_adopted_spaser_and_published_indicators_only(client, published_indicator, private_indicator):
    content = _text(client.get(reverse("observatory:home")))
    assert "SPASER adopté de test" in content
    assert published_indicator.label in content
    assert private_indicator.label not in content


def test_nothing_is_public_by_default(client, spaser):
    indicator = IndicatorFactory(chantier=ChantierFactory(spaser=spaser), code="IND-NEW")
    assert client.get(reverse("observatory:indicator", args=["IND-NEW"])).status_code == 404
    PublishedIndicator.objects.create(indicator=indicator, is_public=False)
    assert client.get(reverse("observatory:indicator", args=["IND-NEW"])).status_code == 404


def test_a_draft_spaser_stays_private_even_with_a_published_indicator(client, home):
    draft = SpaserFactory(organisation=home, status=SpaserStatus.DRAFT, title="Projet de schéma")
    indicator = IndicatorFactory(chantier=ChantierFactory(spaser=draft), code="IND-DRAFT")
    PublishedIndicator.objects.create(indicator=indicator, is_public=True)
    assert client.get(reverse("observatory:indicator", args=["IND-DRAFT"])).status_code == 404
    assert "Projet de schéma" not in _text(client.get(reverse("observatory:home")))


def test_indicator_page_has_the_svg_chart_and_its_table(client, published_indicator):
    response = client.get(reverse("observatory:indicator", args=[published_indicator.code]))
    content = _text(response)
    assert "<svg" in content
    assert 'aria-hidden="true"' in content
    assert "<caption>Trajectoire de l'indicateur IND-PUB</caption>" in content
    for year in ("2023", "2025", "2027"):
        assert f'<th scope="row">{year}</th>' in content


def test_indicator_page_shows_the_stored_value_and_its_status(client, home, published_indicator):
    from spaser.indicators.models import ManualValue
    from tests.accounts.factories import UserFactory

    ManualValue.objects.create(
        indicator=published_indicator,
        year=2025,
        value=Decimal("22"),
        proof_link="https://example.fr/preuve",
        comment="Commentaire interne du pilote",
        entered_by=UserFactory(),
    )
    content = _text(client.get(reverse("observatory:indicator", args=[published_indicator.code])))
    assert "<td>22</td>" in content
    assert "Atteint" in content
    assert "Commentaire interne du pilote" not in content
    assert "example.fr/preuve" not in content


def test_key_figures_of_a_year(client, home, published_indicator):
    ContractFactory(buyer=home, considerations_published=True, social_clause=True)
    ContractFactory(buyer=home, considerations_published=True)
    ContractFactory(buyer=OrganisationFactory(), considerations_published=True, social_clause=True)
    content = _text(client.get(reverse("observatory:key_figures", args=[2024])))
    assert "50,0 %" in content
    assert published_indicator.label in content


def test_territory_compares_every_buyer_by_category_with_a_table_beside_the_map(
    client, home, django_assert_max_num_queries
):
    commune = OrganisationFactory(name="Commune de Blois", kind="commune", departement_code="41")
    departement = OrganisationFactory(name="Département du Cher", kind="departement", departement_code="18")
    elsewhere = OrganisationFactory(name="Commune lointaine", kind="commune", region_code="84", departement_code="69")
    ContractFactory(buyer=commune, considerations_published=True, social_clause=True)
    ContractFactory(buyer=departement, considerations_published=True)
    ContractFactory(buyer=elsewhere, considerations_published=True)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("observatory:territory"))
    content = _text(response)
    assert "Commune de Blois" in content
    assert "Département du Cher" in content
    assert "Commune lointaine" not in content
    assert "<caption>Commune</caption>" in content
    assert "<caption>Département</caption>" in content
    assert 'class="obs-map"' in content
    assert "<caption>Marchés et considérations par département de l'acheteur</caption>" in content
    filtered = _text(client.get(reverse("observatory:territory"), {"kind": "commune"}))
    assert "Département du Cher" not in filtered


def test_plan_lists_published_entries_with_amount_bands_in_constant_queries(
    client, home, django_assert_max_num_queries
):
    for index in range(6):
        ProgrammeEntryFactory(
            organisation=home,
            is_published=True,
            subject=f"Achat public {index}",
            estimated_amount=Decimal("123456.78"),
        )
    ProgrammeEntryFactory(organisation=home, is_published=False, subject="Achat interne non publié")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("observatory:plan"))
    content = _text(response)
    assert "Achat public 5" in content
    assert "Achat interne non publié" not in content
    assert "de 90 000 à 221 000 € HT" in content
    assert "123456" not in content and "123 456" not in content


def test_plan_filters_csv_and_icalendar(client, home):
    ProgrammeEntryFactory(organisation=home, is_published=True, subject="Travaux, lycée; phase 1", planned_quarter=2)
    ProgrammeEntryFactory(organisation=home, is_published=True, subject="Petit achat", estimated_amount=Decimal(1000))
    ProgrammeEntryFactory(organisation=home, is_published=False, subject="Caché")
    assert "Petit achat" not in _text(client.get(reverse("observatory:plan"), {"band": "40k-90k"}))
    csv_text = client.get(reverse("observatory:plan_csv"), {"quarter": 2}).content.decode("utf-8")
    assert csv_text.splitlines()[0].startswith("annee,objet,famille")
    assert '"Travaux, lycée; phase 1"' in csv_text
    assert "Petit achat" not in csv_text
    ical = client.get(reverse("observatory:plan_ical")).content.decode("utf-8")
    assert ical.startswith("BEGIN:VCALENDAR\r\n")
    assert ical.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20260401" in ical
    assert "SUMMARY:Lancement prévu : Travaux\\, lycée\\; phase 1" in ical
    assert "Caché" not in ical
    assert all(len(line.encode()) <= 75 for line in ical.split("\r\n"))


def test_admin_publishes_and_withdraws_an_indicator(client, home, private_indicator):
    admin = MembershipFactory(organisation=home, role=Role.ADMIN).user
    client.force_login(admin)
    url = reverse("observatory:publication")
    client.post(url, {"indicator": private_indicator.pk, "is_public": "1"})
    assert PublishedIndicator.objects.get(indicator=private_indicator).is_public
    client.post(url, {"indicator": private_indicator.pk, "is_public": "0"})
    assert not PublishedIndicator.objects.get(indicator=private_indicator).is_public


def test_an_admin_cannot_publish_another_organisation_indicator(client, home):
    other = IndicatorFactory(chantier=ChantierFactory(spaser=SpaserFactory()))
    client.force_login(MembershipFactory(organisation=home, role=Role.ADMIN).user)
    response = client.post(reverse("observatory:publication"), {"indicator": other.pk, "is_public": "1"})
    assert response.status_code == 404
    assert not PublishedIndicator.objects.exists()


@pytest.mark.parametrize("name", ["observatory:home", "observatory:opendata", "observatory:plan"])
def test_public_pages_in_a_fixed_number_of_queries(client, published_indicator, django_assert_max_num_queries, name):
    for index in range(5):
        IndicatorFactory(chantier=published_indicator.chantier, code=f"IND-X{index}")
    with django_assert_max_num_queries(10):
        assert client.get(reverse(name)).status_code == 200
