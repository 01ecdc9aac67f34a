"""The référentiel pages: content, filters, edits, exports, scoping, and a bounded number of queries."""

import io

import openpyxl
import pytest
import yaml
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.referentiel.models import Chantier, Criterion, Family, Indicator, Spaser
from tests.accounts.factories import UserFactory
from tests.referentiel.factories import CriterionFactory, FamilyFactory


@pytest.fixture
def buyer(defaults_loaded, member_of):
    return member_of(Role.BUYER, organisation=defaults_loaded)


@pytest.fixture
def reader(defaults_loaded, member_of):
    return member_of(Role.READER, organisation=defaults_loaded)


def test_spaser_tree_shows_axes_chantiers_and_targets(client, reader, django_assert_max_num_queries):
    spaser = Spaser.objects.get()
    client.force_login(reader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("referentiel:spaser_detail", args=[spaser.pk]))
    content = response.content.decode()
    assert "Axe B. La transition écologique et énergétique" in content
    assert "Parties transversales" in content
    assert "-40 % en 2030" in content
    assert "Modifier le schéma" not in content  # a reader cannot edit


def test_spaser_list_is_scoped_and_bounded(client, reader, django_assert_max_num_queries):
    client.force_login(reader)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("referentiel:spaser_list"))
    assert response.context["spasers"][0].chantier_count >= 20


def test_chantier_page_shows_indicators_baselines_and_targets(client, reader, django_assert_max_num_queries):
    chantier = Chantier.objects.get(code="B-II")
    client.force_login(reader)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("referentiel:chantier_detail", args=[chantier.pk]))
    content = response.content.decode()
    assert "0 en 2010" in content and "-40 % en 2030" in content
    assert "35000 m² en 2023" in content
    assert "Direction du patrimoine et des lycées" in content
    assert "Critère de performance énergétique" in content  # criteria serving this chantier


def test_another_organisation_cannot_see_the_chantier(client, defaults_loaded, member_of, other_region):
    outsider = member_of(Role.ADMIN, organisation=other_region)
    client.force_login(outsider)
    chantier = Chantier.objects.get(code="B-II")
    assert client.get(reverse("referentiel:chantier_detail", args=[chantier.pk])).status_code == 404


def test_buyer_edits_a_chantier_its_directions_and_milestones(client, buyer):
    chantier = Chantier.objects.get(code="T-GOV")
    client.force_login(buyer)
    url = reverse("referentiel:chantier_edit", args=[chantier.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "theme": chantier.theme_id,
        "title": "Nouveau titre",
        "description": "",
        "pilot": "DASJ",
        "status": "done",
        "position": 0,
    }
    directions = list(chantier.directions.all())
    data.update(_management("directions", len(directions) + 1, len(directions)))
    for index, direction in enumerate(directions):
        data.update(
            {
                f"directions-{index}-id": direction.pk,
                f"directions-{index}-name": direction.name,
                f"directions-{index}-role": direction.role,
                f"directions-{index}-position": index,
            }
        )
    data[f"directions-{len(directions) - 1}-DELETE"] = "on"
    data.update(
        {
            f"directions-{len(directions)}-name": "Direction des finances",
            f"directions-{len(directions)}-role": "inform",
            f"directions-{len(directions)}-position": 9,
        }
    )
    milestones = list(chantier.milestones.all())
    data.update(_management("milestones", len(milestones), len(milestones)))
    for index, milestone in enumerate(milestones):
        data.update(
            {
                f"milestones-{index}-id": milestone.pk,
                f"milestones-{index}-label": milestone.label,
                f"milestones-{index}-due_date": "2025-11-30" if index == 0 else milestone.due_date.isoformat(),
                f"milestones-{index}-done": "on" if index == 0 else "",
                f"milestones-{index}-position": index,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 302
    chantier.refresh_from_db()
    assert (chantier.title, chantier.status) == ("Nouveau titre", "done")
    assert chantier.history.count() == 2
    names = list(chantier.directions.values_list("name", flat=True))
    assert names[-1] == "Direction des finances" and directions[-1].name not in names
    first = chantier.milestones.order_by("position").first()
    assert (first.done, first.due_date.isoformat()) == (True, "2025-11-30")


def _management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_indicator_edit_saves_targets_and_refuses_half_a_baseline(client, buyer):
    indicator = Indicator.objects.get(code="A-III-1")
    client.force_login(buyer)
    url = reverse("referentiel:indicator_edit", args=[indicator.pk])
    target = indicator.targets.get()
    data = {
        "label": indicator.label,
        "definition": "",
        "unit": "organismes",
        "direction": "increase",
        "scope": "",
        "mode": "manual",
        "computation_key": "",
        "baseline_value": "0",
        "baseline_year": "",
        "proof": "",
        "targets-TOTAL_FORMS": "2",
        "targets-INITIAL_FORMS": "1",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-id": target.pk,
        "targets-0-year": "2027",
        "targets-0-value": "15",
        "targets-1-year": "2025",
        "targets-1-value": "6",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "ensemble" in response.content.decode()
    data["baseline_year"] = "2023"
    assert client.post(url, data).status_code == 302
    assert list(indicator.targets.order_by("year").values_list("year", "value")) == [(2025, 6), (2027, 15)]


@pytest.mark.parametrize("public", [False, True])
def test_criteria_filter_by_family_dimension_kind_and_search(client, reader, public, django_assert_max_num_queries):
    url = reverse("referentiel:public_criteria" if public else "referentiel:criteria")
    if not public:
        client.force_login(reader)
    with django_assert_max_num_queries(8):
        response = client.get(url, {"family": "ALIMENTATION", "dimension": "environmental", "kind": "award_criterion"})
    codes = {criterion.code for criterion in response.context["criteria"]}
    # A criterion attached to the FOURNITURES root applies to the food family too.
    assert codes == {"ENV-CRITERE-ATTRIBUTION", "ALIM-FRAICHEUR-SAISONNALITE"}
    response = client.get(url, {"q": "insertion heures"})
    assert "SOC-CLAUSE-INSERTION" in {criterion.code for criterion in response.context["criteria"]}


def test_criteria_search_returns_the_results_fragment_to_htmx(client, reader):
    client.force_login(reader)
    response = client.get(reverse("referentiel:criteria"), {"q": "biométhane"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert "Part de biométhane dans la fourniture de gaz" in content


def test_public_criterion_page_needs_no_login_and_flags_unverified_facts(client, defaults_loaded):
    response = client.get(reverse("referentiel:public_criterion_detail", args=["ALIM-FRAICHEUR-SAISONNALITE"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Réserves et points à vérifier" in content and "préférence locale" in content
    assert "Modifier" not in content


def test_criterion_edit_refuses_min_above_max(client, defaults_loaded):
    criterion = Criterion.objects.get(code="ENV-CRITERE-ATTRIBUTION")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # a platform administrator
    data = {
        "title": criterion.title,
        "kind": criterion.kind,
        "dimension": criterion.dimension,
        "obligation": criterion.obligation,
        "legal_basis": criterion.legal_basis,
        "legal_status": criterion.legal_status,
        "caveat": "",
        "families": list(criterion.families.values_list("pk", flat=True)),
        "weighting_min": 20,
        "weighting_max": 15,
        "wording": criterion.wording,
        "verification": "",
        "proof": "",
        "chantier_code": "T-ENV",
        "ambition": "base",
    }
    url = reverse("referentiel:criterion_edit", args=[criterion.pk])
    assert client.post(url, data).status_code == 200
    data["weighting_min"] = 12
    assert client.post(url, data).status_code == 302
    criterion.refresh_from_db()
    assert criterion.weighting_label == "12 à 15 %"


def test_spaser_yaml_export_reloads_to_the_same_tree(client, reader):
    spaser = Spaser.objects.get()
    client.force_login(reader)
    response = client.get(reverse("referentiel:spaser_export", args=[spaser.pk]))
    data = yaml.safe_load(response.content)
    assert data["spaser"]["code"] == spaser.code and len(data["axes"]) == 3


def test_xlsx_exports_hold_both_referentiels(client, reader):
    spaser = Spaser.objects.get()
    client.force_login(reader)
    spaser_book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("referentiel:spaser_xlsx", args=[spaser.pk])).content)
    )
    assert spaser_book.sheetnames == ["Chantiers", "Indicateurs"]
    assert spaser_book["Indicateurs"].max_row - 1 == Indicator.objects.count()
    criteria_book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("referentiel:criteria_xlsx")).content))
    assert criteria_book["Critères et clauses"].max_row - 1 == Criterion.objects.count()
    assert criteria_book["Familles d'achat"].max_row - 1 == Family.objects.count()


def test_families_page_resolves_a_cpv_code(client, reader, django_assert_max_num_queries):
    client.force_login(reader)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("referentiel:families"), {"cpv": "09310000-5"})
    assert response.context["result"]["family"].code == "ENERGIE"
    assert "Électricité" in response.content.decode()


def test_thresholds_page_answers_for_a_region(client, reader, django_assert_max_num_queries):
    client.force_login(reader)
    query = {"buyer_kind": "sub_central", "nature": "services", "launch_date": "2026-09-01", "amount": "216000"}
    with django_assert_max_num_queries(10):
        response = client.get(reverse("referentiel:thresholds"), query)
    answer = response.context["answer"]
    assert answer.applies("social_execution_condition") is True
    assert answer.amount_of("eu_procedure") == 216000


def test_criteria_list_query_count_does_not_grow_with_items(client, reader, django_assert_max_num_queries):
    family = FamilyFactory()
    CriterionFactory.create_batch(30, families=[family])
    client.force_login(reader)
    with django_assert_max_num_queries(8):
        client.get(reverse("referentiel:criteria"))


def test_xlsx_export_never_writes_a_formula(client, reader):
    CriterionFactory(title='=HYPERLINK("http://example.com","clic")')
    client.force_login(reader)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("referentiel:criteria_xlsx")).content))
    cells = [cell for row in book["Critères et clauses"].iter_rows() for cell in row if cell.value]
    formula = [cell for cell in cells if str(cell.value).startswith("=")]
    assert formula and all(cell.data_type == "s" for cell in formula)


def test_buyer_moves_a_theme_out_of_its_axis_and_edits_the_spaser(client, buyer):
    spaser = Spaser.objects.get()
    theme = spaser.themes.get(code="C2")
    client.force_login(buyer)
    data = {"axis": "", "title": theme.title, "description": "", "position": theme.position}
    assert client.post(reverse("referentiel:theme_edit", args=[theme.pk]), data).status_code == 302
    theme.refresh_from_db()
    assert theme.axis is None
    page = client.get(reverse("referentiel:spaser_detail", args=[spaser.pk])).content.decode()
    assert page.index("Parties transversales") < page.index("Décarboner la flotte automobile")
    url = reverse("referentiel:spaser_edit", args=[spaser.pk])
    data = {"title": spaser.title, "version": "2025.1", "status": "adopted", "period_start": 2028, "period_end": 2027}
    assert client.post(url, data).status_code == 200
    data["period_start"] = 2023
    assert client.post(url, data).status_code == 302
    spaser.refresh_from_db()
    assert spaser.version == "2025.1" and spaser.history.count() == 2


def test_admin_sets_the_organisation_form_threshold(client, defaults_loaded, member_of):
    admin = member_of(Role.ADMIN, organisation=defaults_loaded)
    client.force_login(admin)
    data = {"buyer_kind": "sub_central", "strategy_form_threshold": "25000"}
    assert client.post(reverse("referentiel:settings_edit"), data).status_code == 302
    query = {"buyer_kind": "sub_central", "nature": "services", "launch_date": "2026-09-01", "amount": "30000"}
    answer = client.get(reverse("referentiel:thresholds"), query).context["answer"]
    assert answer.applies("strategy_form") is True


def test_referentiel_index_is_public_and_links_each_section(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("referentiel:index"))
    assert response.status_code == 200
    content = response.content.decode()
    for name in ("referentiel:public_criteria", "api:families", "api:criteria", "api:index"):
        assert f'href="{reverse(name)}"' in content, name
    # The back-office pages are not offered to a visitor who cannot open them.
    assert f'href="{reverse("referentiel:families")}"' not in content
    assert "seul un administrateur de la plateforme les modifie" in content


def test_referentiel_index_adds_the_back_office_pages_for_members(client, reader, django_assert_max_num_queries):
    client.force_login(reader)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("referentiel:index"))
    content = response.content.decode()
    for name in (
        "referentiel:spaser_list",
        "referentiel:criteria",
        "referentiel:families",
        "referentiel:thresholds",
        "referentiel:public_criteria",
    ):
        assert f'href="{reverse(name)}"' in content, name
    assert "Vous êtes administrateur de la plateforme" not in content
    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # a platform administrator of no organisation
    content = client.get(reverse("referentiel:index")).content.decode()
    assert "Vous êtes administrateur de la plateforme" in content
    assert f'href="{reverse("admin:app_list", args=["referentiel"])}"' in content
    assert f'href="{reverse("referentiel:families")}"' not in content  # no organisation: no back office
