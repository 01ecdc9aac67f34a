"""Dashboard pages: content, statuses, exports, drill-down, scoping, manual values and their bad inputs."""

import io
import re
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.indicators.models import ManualValue
from spaser.indicators.services import indicator_values_compute
from spaser.referentiel.models import Chantier, Indicator
from tests.contracts.factories import ContractFactory


@pytest.fixture
def reader(region, member_of):
    return member_of(Role.READER, organisation=region)


@pytest.fixture
def pilot(region, member_of):
    return member_of(Role.PILOT, organisation=region)


@pytest.fixture
def computed(region):
    # 2024: 1 contract out of 4 with an environmental consideration, 2 out of 4 with a social one.
    ContractFactory(buyer=region, environmental=True)
    ContractFactory(buyer=region, social=True)
    ContractFactory(buyer=region, social=True)
    ContractFactory(buyer=region, considerations_published=True, social_none=True, environmental_none=True)
    indicator_values_compute(organisation=region, years=[2023, 2024])
    return region


def test_overview_shows_the_tree_with_rolled_up_statuses(client, reader, computed, django_assert_max_num_queries):
    client.force_login(reader)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:overview"), {"annee": 2024})
    content = response.content.decode()
    assert response.status_code == 200
    assert "situation 2024" in content
    assert "Axe A." in content and "Partie transversale" in content
    # PNAD-SOC: 50 % in 2024 against a 30 % target in 2025 → reached, so its chantier A-V is not "sans donnée".
    chantier = Chantier.objects.get(code="A-V")
    assert f'href="/tableau-de-bord/chantiers/{chantier.pk}/?annee=2024"' in content
    assert "Comment le statut est-il établi" in content


def test_overview_year_outside_the_spaser_falls_back(client, reader, computed):
    client.force_login(reader)
    response = client.get(reverse("indicators:overview"), {"annee": "1999"})
    assert "situation 2024" in response.content.decode()  # latest year with stored values


def test_overview_export_xlsx_and_csv(client, reader, computed):
    client.force_login(reader)
    response = client.get(reverse("indicators:overview"), {"annee": 2024, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("Axe", "Thématique", "Chantier", "Statut 2024")
    assert any(row[2].startswith("A-V ") and row[3] == "Atteint" for row in rows[1:])
    csv = client.get(reverse("indicators:overview"), {"annee": 2024, "format": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Axe;Thématique;Chantier")


def test_chantier_page_shows_values_status_and_charts(client, reader, computed, django_assert_max_num_queries):
    from spaser.strategies.models import Clause
    from tests.referentiel.factories import CriterionFactory
    from tests.strategies.factories import PurchaseProjectFactory

    chantier = Chantier.objects.get(code="A-V")
    linked = PurchaseProjectFactory(organisation=computed, subject="Nettoyage des lycées")
    Clause.objects.create(
        project=linked, label="Insertion", dimension="social", source=CriterionFactory(chantier_code="A-V")
    )
    PurchaseProjectFactory(organisation=computed, subject="Fiche sans lien")
    client.force_login(reader)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:chantier", args=[chantier.pk]), {"annee": 2024})
    content = response.content.decode()
    assert "PNAD-SOC" in content and "50 %" in content
    assert "Nettoyage des lycées" in content and "Fiche sans lien" not in content
    assert "Atteint" in content
    assert 'data-chart-url="/tableau-de-bord/indicateurs/' in content
    assert "<script>" not in content and 'style="' not in content


def test_indicator_page_table_formula_and_drill_down(client, reader, computed, django_assert_max_num_queries):
    indicator = Indicator.objects.get(code="PNAD-ENV")
    client.force_login(reader)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:indicator", args=[indicator.pk]), {"annee": 2024})
    content = response.content.decode()
    assert "25 %" in content  # 1 of 4
    assert "considérations" in content  # the formula from the registry docstring
    drill = reverse("indicators:drilldown", args=[indicator.pk, 2024])
    assert drill in content
    with django_assert_max_num_queries(10):
        response = client.get(drill)
    assert "4 enregistrements au dénominateur" in response.content.decode()
    export = client.get(drill, {"format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 5 and sorted(row[4] for row in rows[1:]) == ["non", "non", "non", "oui"]


def test_indicator_chart_is_a_vega_lite_spec_with_the_table_values(client, reader, computed):
    indicator = Indicator.objects.get(code="PNAD-SOC")
    client.force_login(reader)
    spec = client.get(reverse("indicators:indicator_chart", args=[indicator.pk])).json()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    measured = [v for v in spec["data"]["values"] if v["série"] == "Valeur mesurée"]
    assert measured == [{"année": 2024, "série": "Valeur mesurée", "valeur": 50.0}]
    assert {"année": 2025, "série": "Cible", "valeur": 30.0} in spec["data"]["values"]


def test_another_organisation_sees_none_of_these_objects(client, computed, member_of):
    from tests.accounts.factories import OrganisationFactory

    outsider = member_of(Role.READER, organisation=OrganisationFactory())
    client.force_login(outsider)
    indicator = Indicator.objects.get(code="PNAD-ENV")
    assert client.get(reverse("indicators:indicator", args=[indicator.pk])).status_code == 404
    assert client.get(reverse("indicators:drilldown", args=[indicator.pk, 2024])).status_code == 404
    assert "Aucun SPASER" in client.get(reverse("indicators:overview")).content.decode()


def test_direction_view_lists_the_chantiers_naming_my_direction(
    client, region, member_of, django_assert_max_num_queries
):
    from spaser.accounts.models import Direction

    direction = Direction.objects.create(organisation=region, code="DASJ", name="Direction des achats")
    user = member_of(Role.BUYER, organisation=region, direction=direction)
    client.force_login(user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:direction"))
    content = response.content.decode()
    assert "T-STR" in content  # its directions include "(DASJ)"
    assert "T-RH –" not in content  # only the human resources department acts on it


def manual_indicator():
    return Indicator.objects.get(code="T-FOR-1")  # agents formés, manual


def test_pilot_enters_a_value_with_a_proof_and_history_is_kept(client, pilot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    indicator = manual_indicator()
    client.force_login(pilot)
    url = reverse("indicators:manual_value", args=[indicator.pk])
    proof = SimpleUploadedFile("emargement.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(url, {"year": 2024, "value": "1 234", "comment": "Bilan", "proof_file": proof})
    assert response.status_code == 302
    manual = ManualValue.objects.get(indicator=indicator, year=2024)
    assert manual.value == D(1234) and manual.entered_by == pilot and manual.proof_file
    # A second entry for the same year replaces the value; the history keeps both (the proof is kept).
    client.post(url, {"year": 2024, "value": "1 300,5", "comment": "Corrigé"})
    manual.refresh_from_db()
    assert manual.value == D("1300.5") and manual.proof_file
    assert manual.history.count() == 2
    page = client.get(reverse("indicators:indicator", args=[indicator.pk]), {"annee": 2024}).content.decode()
    assert "Historique des saisies" in page and "1300,5" in page.replace("\u202f", "").replace(" ", "")
    download = client.get(reverse("indicators:manual_proof", args=[manual.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2024, "value": "12,5 %", "proof_link": "https://example.org"}, "pas en pourcentage"),
        ({"year": 2024, "value": "douze", "proof_link": "https://example.org"}, "n&#x27;est pas un nombre"),
        ({"year": 2019, "value": "12", "proof_link": "https://example.org"}, "Sélectionnez un choix valide"),
        ({"year": 2024, "value": "12"}, "Joignez un justificatif"),
    ],
)
def test_bad_manual_values_are_refused_with_a_message(client, pilot, data, message):
    client.force_login(pilot)
    response = client.post(reverse("indicators:manual_value", args=[manual_indicator().pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ManualValue.objects.exists()


def test_percent_indicator_accepts_french_percentages(client, pilot):
    indicator = Indicator.objects.get(code="B-II-3")
    client.force_login(pilot)
    client.post(
        reverse("indicators:manual_value", args=[indicator.pk]),
        {"year": 2024, "value": "12,5 %", "proof_link": "https://example.org/rapport"},
    )
    assert ManualValue.objects.get(indicator=indicator).value == D("12.5")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("programme.exe", b"MZ\x90\x00", "n&#x27;est pas accepté"),
        ("script.pdf", b"MZ\x90\x00rest", "est un programme"),
        ("gros.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "dépasse 10 Mo"),
    ],
)
def test_proof_files_of_a_forbidden_type_or_too_big_are_refused(client, pilot, name, content, message):
    client.force_login(pilot)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        reverse("indicators:manual_value", args=[manual_indicator().pk]),
        {"year": 2024, "value": "3", "proof_file": upload},
    )
    assert message in response.content.decode()
    assert not ManualValue.objects.exists()


def test_computed_indicators_cannot_be_entered(client, pilot):
    client.force_login(pilot)
    indicator = Indicator.objects.get(code="PNAD-ENV")
    assert client.get(reverse("indicators:manual_value", args=[indicator.pk])).status_code == 404


def test_missing_manual_values_reminder(client, pilot, rf):
    from django.apps import apps
    from django.utils import timezone

    last_year = timezone.localdate().year - 1
    indicator = manual_indicator()
    client.force_login(pilot)
    response = client.get(reverse("indicators:manual_missing"))
    assert indicator.code in response.content.decode()
    request = rf.get("/")
    request.user = pilot
    request.organisation = indicator.spaser.organisation
    request.roles = {Role.PILOT}
    [item] = apps.get_app_config("indicators").pending_for(request)
    before = item.count
    assert str(last_year) in item.label
    ManualValue.objects.create(indicator=indicator, year=last_year, value=1, proof_link="https://example.org")
    [item] = apps.get_app_config("indicators").pending_for(request)
    assert item.count == before - 1


def test_xlsx_exports_keep_text_that_looks_like_a_formula_as_text():
    from spaser.indicators.exports import table_response

    response = table_response(filename="x", fmt="xlsx", headers=["Objet"], rows=[['=HYPERLINK("http://x")']])
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.fixture
def scoped(region):
    """2023-2025: PNAD-ENV contracts in two families and two départements of execution."""
    import datetime as dt

    from spaser.geo.models import Departement, Region
    from spaser.referentiel.models import Family

    centre = Region.objects.get_or_create(code="24", defaults={"name": "Centre-Val de Loire"})[0]
    loiret = Departement.objects.create(code="45", name="Loiret", region=centre)
    cleaning, building = Family.objects.exclude(parent=None).order_by("code")[:2]
    for year, family, environmental in [(2023, cleaning, True), (2024, cleaning, False), (2024, building, True)]:
        ContractFactory(
            buyer=region,
            family=family,
            place_departement=loiret,
            notified_on=dt.date(year, 4, 1),
            **({"environmental": True} if environmental else {"social": True}),
        )
    indicator_values_compute(organisation=region, years=list(range(2023, 2028)))
    return {"cleaning": cleaning, "building": building}


def test_indicator_page_has_a_table_by_scope_and_the_spaser_periods(
    client, reader, scoped, django_assert_max_num_queries
):
    indicator = Indicator.objects.get(code="PNAD-ENV")
    url = reverse("indicators:indicator", args=[indicator.pk])
    client.force_login(reader)
    with django_assert_max_num_queries(17):
        response = client.get(url, {"annee": 2024, "perimetre": "family"})
    content = response.content.decode()
    assert 'id="perimetre"' in content and "Direction" in content  # the selector offers the scopes
    table = content[content.index('id="table-perimetres"') :]
    cleaning, building = scoped["cleaning"], scoped["building"]
    assert cleaning.label in table and building.label in table
    assert "0 / 1" in table and "1 / 1" in table  # 2024: cleaning 0 of 1, building 1 of 1
    drill = f"perimetre=family&amp;valeur={cleaning.code}"
    assert drill in table
    # The SPASER periods: 2023-2025 counts the three contracts, 2 of them environmental.
    periods = content[content.index('id="periodes"') :]
    assert "2023 à 2025" in periods and "2023 à 2027" in periods and "66,67 %" in periods
    # The same table over the whole SPASER period.
    with django_assert_max_num_queries(17):
        response = client.get(url, {"annee": 2024, "perimetre": "family", "periode": "2023-2027"})
    table = response.content.decode()[response.content.decode().index('id="table-perimetres"') :]
    assert "1 / 2" in table and "periode=2023-2027" in table  # cleaning over 2023-2027: 1 of 2
    export = client.get(
        url, {"annee": 2024, "perimetre": "family", "periode": "2023-2027", "tableau": "perimetres", "format": "xlsx"}
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "Famille d'achat" and {row[1] for row in rows[1:]} == {cleaning.code, building.code}


def test_an_unknown_scope_or_period_shows_no_scope_table(client, reader, scoped):
    indicator = Indicator.objects.get(code="PNAD-ENV")
    client.force_login(reader)
    response = client.get(
        reverse("indicators:indicator", args=[indicator.pk]), {"perimetre": "nope", "periode": "1990-2100"}
    )
    assert response.status_code == 200 and 'id="table-perimetres"' not in response.content.decode()


def test_drill_down_by_scope_and_period_lists_the_stored_count(client, reader, scoped, django_assert_max_num_queries):
    from spaser.indicators.models import IndicatorValue

    indicator = Indicator.objects.get(code="PNAD-ENV")
    cleaning = scoped["cleaning"]
    client.force_login(reader)
    url = reverse("indicators:drilldown", args=[indicator.pk, 2023])
    stored = IndicatorValue.objects.get(
        key=indicator.computation_key, scope_kind="family", scope_value=cleaning.code, year=2023, span=5
    )
    with django_assert_max_num_queries(12):
        response = client.get(url, {"perimetre": "family", "valeur": cleaning.code, "periode": "2023-2027"})
    content = response.content.decode()
    assert f"{stored.record_count} enregistrements au dénominateur" in content
    assert "de 2023 à 2027" in content and cleaning.label in content
    export = client.get(
        url, {"perimetre": "family", "valeur": cleaning.code, "periode": "2023-2027", "format": "csv"}
    ).content.decode("utf-8-sig")
    assert len(export.strip().splitlines()) - 1 == stored.record_count == 2


def test_chart_tooltips_are_in_french_on_every_layer(client, reader, computed):
    indicator = Indicator.objects.get(code="PNAD-SOC")
    client.force_login(reader)
    spec = client.get(reverse("indicators:indicator_chart", args=[indicator.pk])).json()
    for layer in spec["layer"]:
        titles = [field["title"] for field in layer["encoding"]["tooltip"]]
        assert titles == ["Série", "Année", "Valeur (%)"]
    assert spec["config"]["locale"]["number"]["decimal"] == ","


# --- SPASER periods in the overview, chantier and direction selectors ------------------------------------------


@pytest.fixture
def periods(region):
    """PNAD-SOC (target 30 % in 2025, no baseline): 2023 1 of 4, 2024 0 of 6, 2025 2 of 4 social contracts.

    2025 alone: 50 % → atteint. 2023-2025: 3 of 14 = 21,43 %, under the mean trajectory (25, 27,5, 30 → 27,5)
    → en retard."""
    import datetime as dt

    for year, social, others in [(2023, 1, 3), (2024, 0, 6), (2025, 2, 2)]:
        for _ in range(social):
            ContractFactory(buyer=region, social=True, notified_on=dt.date(year, 5, 1))
        for _ in range(others):
            ContractFactory(
                buyer=region,
                considerations_published=True,
                social_none=True,
                environmental_none=True,
                notified_on=dt.date(year, 5, 1),
            )
    indicator_values_compute(organisation=region, years=list(range(2023, 2028)))
    return region


def test_overview_offers_the_spaser_periods_and_judges_the_period_value(
    client, reader, periods, django_assert_max_num_queries
):
    chantier = Chantier.objects.get(code="A-V")
    client.force_login(reader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:overview"), {"annee": "2023-2025"})
    content = response.content.decode()
    assert "situation 2023-2025 (bilan à mi-parcours)" in content
    assert re.search(r'<option value="2023-2025"\s*selected>2023-2025 \(bilan à mi-parcours\)</option>', content)
    assert re.search(r'<option value="2023-2027"\s*>2023-2027 \(toute la période\)</option>', content)
    assert "moyenne des valeurs attendues" in content  # the period rule is shown to the reader
    # The links and the exports keep the period.
    assert f'href="/tableau-de-bord/chantiers/{chantier.pk}/?annee=2023-2025"' in content
    assert "?annee=2023-2025&amp;format=xlsx" in content

    def a_v_status(annee):
        export = client.get(reverse("indicators:overview"), {"annee": annee, "format": "xlsx"})
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
        return rows[0][3], next(row[3] for row in rows[1:] if row[2].startswith("A-V "))

    assert a_v_status("2025") == ("Statut 2025", "Atteint")
    assert a_v_status("2023-2025") == ("Statut 2023-2025 (bilan à mi-parcours)", "En retard")


def test_an_unknown_period_falls_back_to_the_default_year(client, reader, periods):
    client.force_login(reader)
    default = client.get(reverse("indicators:overview")).content.decode()
    year = re.search(r"situation (\d{4})\.", default).group(1)
    content = client.get(reverse("indicators:overview"), {"annee": "2023-2026"}).content.decode()
    assert f"situation {year}." in content and "moyenne des valeurs attendues" in content
    assert re.search(rf'<option value="{year}"\s*selected>{year}</option>', content)
    assert not re.search(r'<option value="2023-20\d\d"\s*selected', content)


def test_chantier_page_for_a_period_links_its_drill_down_to_the_same_period(
    client, reader, periods, django_assert_max_num_queries
):
    from spaser.indicators.models import IndicatorValue

    chantier = Chantier.objects.get(code="A-V")
    indicator = Indicator.objects.get(code="PNAD-SOC")
    stored = IndicatorValue.objects.get(key=indicator.computation_key, scope_kind="organisation", year=2023, span=3)
    assert stored.record_count == 14
    client.force_login(reader)
    url = reverse("indicators:chantier", args=[chantier.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"annee": "2023-2025"})
    content = response.content.decode()
    assert "Statut 2023-2025 (bilan à mi-parcours)" in content
    assert "21,43 %" in content and "En retard" in content
    drill = reverse("indicators:drilldown", args=[indicator.pk, 2023]) + "?periode=2023-2025"
    assert f'href="{drill}">14<' in content
    # The drill-down lists the very records the chantier page counted.
    assert "14 enregistrements au dénominateur" in client.get(drill).content.decode()
    # The same page for 2025 alone: that year's value, count and drill-down.
    content = client.get(url, {"annee": 2025}).content.decode()
    assert "50 %" in content and "Atteint" in content
    drill = reverse("indicators:drilldown", args=[indicator.pk, 2025])
    assert f'href="{drill}">4<' in content
    assert "4 enregistrements au dénominateur" in client.get(drill).content.decode()
    # The export follows the selection.
    export = client.get(url, {"annee": "2023-2025", "format": "csv"}).content.decode("utf-8-sig")
    lines = export.splitlines()
    assert "Valeur 2023-2025 (bilan à mi-parcours)" in lines[0] and lines[0].endswith("Enregistrements comptés")
    row = next(line for line in lines if line.startswith("PNAD-SOC;"))
    assert row.endswith(";En retard;14")


def test_direction_view_follows_the_period(client, region, member_of, django_assert_max_num_queries):
    from spaser.accounts.models import Direction

    direction = Direction.objects.create(organisation=region, code="DASJ", name="Direction des achats")
    client.force_login(member_of(Role.BUYER, organisation=region, direction=direction))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:direction"), {"annee": "2023-2027"})
    content = response.content.decode()
    assert "Mes chantiers, 2023-2027 (toute la période)" in content and "T-STR" in content
    export = client.get(reverse("indicators:direction"), {"annee": "2023-2027", "format": "csv"})
    assert export["Content-Disposition"].endswith('ma-direction-2023-2027.csv"')
    assert "Statut 2023-2027 (toute la période)" in export.content.decode("utf-8-sig").splitlines()[0]


# --- Indicators without any measured value: an empty state, not an empty chart ---------------------------------


def _flat(response) -> str:
    import html

    return " ".join(html.unescape(response.content.decode()).split())


def test_chantier_page_draws_charts_only_for_measured_indicators(client, reader, computed):
    chantier = Chantier.objects.get(code="A-V")
    measured = Indicator.objects.get(code="PNAD-SOC")
    from spaser.indicators.models import IndicatorValue

    computed_keys = set(
        IndicatorValue.objects.filter(organisation=computed).exclude(value=None).values_list("key", flat=True)
    )
    unmeasured = [
        indicator
        for indicator in chantier.indicators.all()
        if indicator.computation_key not in computed_keys and not indicator.manual_values.exists()
    ]
    assert unmeasured  # the chantier has indicators nobody measured yet
    client.force_login(reader)
    content = _flat(client.get(reverse("indicators:chantier", args=[chantier.pk]), {"annee": 2024}))
    assert f'data-chart-url="/tableau-de-bord/indicateurs/{measured.pk}/graphique.json"' in content
    for indicator in unmeasured:
        assert f"/indicateurs/{indicator.pk}/graphique.json" not in content
        assert f'{indicator.code} : trajectoire</h3> <div class="alert alert-info no-values">' in content
    assert content.count("Aucune valeur mesurée pour cet indicateur.") == len(unmeasured)


def test_indicator_page_without_values_says_who_enters_it(client, reader, pilot, region):
    indicator = Indicator.objects.filter(chantier__spaser__organisation=region, mode="manual").first()
    client.force_login(reader)
    content = _flat(client.get(reverse("indicators:indicator", args=[indicator.pk])))
    assert "Aucune valeur mesurée pour cet indicateur." in content
    assert "Sa valeur est saisie chaque année par un pilote de chantier ou un administrateur" in content
    assert "vega-chart" not in content and "Valeurs de l'indicateur" not in content
    targets = list(indicator.targets.order_by("year"))
    if targets:
        assert f"en {targets[-1].year}." in content

    # Once a value is entered, the chart and its table replace the empty state.
    ManualValue.objects.create(
        indicator=indicator, year=2024, value=D("12"), proof_link="https://e.fr/p", entered_by=pilot
    )
    content = _flat(client.get(reverse("indicators:indicator", args=[indicator.pk]), {"annee": 2024}))
    assert "Aucune valeur mesurée" not in content
    assert 'class="vega-chart"' in content and f"Valeurs de l'indicateur {indicator.code} par année" in content


def test_computed_indicator_without_values_says_what_it_reads_and_when_it_runs(client, reader, region):
    indicator = Indicator.objects.get(code="PNAD-SOC")  # nothing imported, nothing computed
    client.force_login(reader)
    content = _flat(client.get(reverse("indicators:indicator", args=[indicator.pk])))
    assert "Aucune valeur mesurée pour cet indicateur." in content
    assert "Sa valeur est calculée à partir des données suivantes : Contrats (DECP)" in content
    assert "dans les cinq minutes qui suivent un import de marchés" in content
    assert "vega-chart" not in content
