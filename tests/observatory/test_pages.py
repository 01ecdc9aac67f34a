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
    from spaser.indicators.models import ManualValue
    from tests.accounts.factories import UserFactory

    ManualValue.objects.create(
        indicator=published_indicator,
        year=2024,
        value=Decimal("15"),
        proof_link="https://e.fr/p",
        entered_by=UserFactory(),
    )
    response = client.get(reverse("observatory:indicator", args=[published_indicator.code]))
    content = _text(response)
    assert "<svg" in content
    assert 'aria-hidden="true"' in content
    assert "<caption>Trajectoire de l'indicateur IND-PUB</caption>" in content
    for year in ("2023", "2024", "2025", "2027"):
        assert f'<th scope="row">{year}</th>' in content
    assert "Aucune valeur mesurée" not in content


def test_indicator_without_values_shows_an_empty_state_not_an_empty_chart(client, published_indicator):
    """Baseline and targets but nothing measured: no chart, no table of blanks; how the value comes instead."""
    content = " ".join(_text(client.get(reverse("observatory:indicator", args=[published_indicator.code]))).split())
    assert "<svg" not in content and "<table" not in content
    assert "Aucune valeur mesurée pour cet indicateur." in content
    assert "Sa valeur est saisie chaque année par l'acheteur public, avec son justificatif" in content
    assert "Valeur de référence : 12 % en 2023." in content
    assert "Cibles fixées : 20 % en 2025 ; 30 % en 2027." in content


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
    assert (
        "<caption>Marchés et considérations par département d'exécution (à défaut, de l'acheteur)</caption>" in content
    )
    filtered = _text(client.get(reverse("observatory:territory"), {"kind": "commune"}))
    assert "Département du Cher" not in filtered


@pytest.fixture
def region_referentiel():
    from spaser.geo.models import Departement, Region

    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    for code, name in [
        ("18", "Cher"),
        ("28", "Eure-et-Loir"),
        ("36", "Indre"),
        ("37", "Indre-et-Loire"),
        ("41", "Loir-et-Cher"),
        ("45", "Loiret"),
    ]:
        Departement.objects.create(code=code, name=name, region=region)
    other = Region.objects.create(code="84", name="Auvergne-Rhône-Alpes")
    Departement.objects.create(code="69", name="Rhône", region=other)
    return region


def _map_paths(content):
    """{département name: fill} of the map's outlines."""
    import re

    svg = content[content.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 560') :]
    svg = svg[: svg.index("</svg>")]
    return {name: fill for fill, name in re.findall(r'<path fill="(#[0-9a-f]{6})"[^>]*><title>([^<]+)</title>', svg)}


def test_the_map_draws_the_region_departements_shaded_by_share_with_a_legend(client, home, region_referentiel):
    from spaser.geo.models import Departement
    from spaser.observatory import charts

    cher = Departement.objects.get(code="18")
    commune = OrganisationFactory(name="Commune de Blois", kind="commune", departement_code="41")
    # Two contracts executed in the Cher, one with a social clause: 50 %; one in Loir-et-Cher without: 0 %.
    ContractFactory(buyer=commune, place_departement=cher, considerations_published=True, social_clause=True)
    ContractFactory(buyer=commune, place_departement=cher, considerations_published=True)
    ContractFactory(buyer=commune, considerations_published=True, environmental_clause=True)
    content = _text(client.get(reverse("observatory:territory")))
    fills = _map_paths(content)
    assert set(fills) == {
        "Cher (18)",
        "Eure-et-Loir (28)",
        "Indre (36)",
        "Indre-et-Loire (37)",
        "Loir-et-Cher (41)",
        "Loiret (45)",
    }
    assert fills["Cher (18)"] == charts.share_fill(50) == "#0b5561"
    assert fills["Loir-et-Cher (41)"] == charts.share_fill(0) == "#e3f1f2"
    assert fills["Indre (36)"] == charts.NO_DATA_FILL
    assert "Part des marchés avec une considération sociale, par département d'exécution" in content
    for entry in charts.share_classes():
        assert entry["label"] in content
    assert "aucun marché publiant ses considérations" in content
    # The table beside lists every département of the map, with its name.
    for label in ("18 – Cher", "36 – Indre", "41 – Loir-et-Cher"):
        assert label in content
    environmental = _text(client.get(reverse("observatory:territory"), {"carte": "environmental"}))
    assert "Part des marchés avec une considération environnementale" in environmental
    assert _map_paths(environmental)["Loir-et-Cher (41)"] == charts.share_fill(100)
    assert _map_paths(environmental)["Cher (18)"] == charts.share_fill(0)


def test_a_bad_map_choice_is_ignored_with_the_social_map_shown(client, home, region_referentiel):
    ContractFactory(buyer=OrganisationFactory(departement_code="41"), considerations_published=True)
    response = client.get(reverse("observatory:territory"), {"carte": "<script>", "year": "deux mille"})
    assert response.status_code == 200
    content = _text(response)
    assert "Part des marchés avec une considération sociale" in content
    assert "Sélectionnez un choix valide. <script> n’en fait pas partie." in content  # the field's own error
    assert "<script>" not in response.content.decode()  # and escaped


def test_the_departement_shapes_come_from_the_shipped_data_file():
    from spaser.observatory import geodata

    shapes = geodata.departements()
    assert len(shapes) == 96
    assert shapes["45"]["name"] == "Loiret"
    lon, lat = shapes["45"]["polygons"][0][0][0]
    assert 1.5 < lon < 3.2 and 47.4 < lat < 48.4


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
