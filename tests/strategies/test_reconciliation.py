"""The reconciliation report: validated forms against the published contract data, and contracts without a form."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from spaser.accounts.enums import Role
from spaser.contracts.enums import ContractKind
from spaser.strategies import selectors
from spaser.strategies.enums import ClauseDimension, CriterionKind, ProjectState
from spaser.strategies.models import AwardCriterion, Clause, ProjectContract
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory
from tests.strategies.factories import PurchaseProjectFactory
from tests.strategies.test_views import text

D = Decimal


def awarded(organisation, *, social=False, environmental=False, **kwargs):
    """An awarded form planning (or not) an insertion clause and an environmental criterion."""
    project = PurchaseProjectFactory(
        organisation=organisation, validated=True, state=ProjectState.AWARDED, insertion_clause=social, **kwargs
    )
    if environmental:
        AwardCriterion.objects.create(project=project, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=15)
    return project


def published_contract(organisation, *, social=False, environmental=False, **kwargs):
    """A 2024-format contract: its considerations are published (clauses, or "Pas de considération")."""
    return ContractFactory(
        buyer=organisation,
        considerations_published=True,
        social_clause=social,
        social_none=not social,
        environmental_clause=environmental,
        environmental_none=not environmental,
        **kwargs,
    )


def link(project, contract):
    return ProjectContract.objects.create(project=project, contract=contract)


@pytest.fixture
def pilot_client(client, member_of):
    client.force_login(member_of(Role.PILOT))
    return client


def test_form_planning_an_insertion_clause_against_no_social_consideration(organisation):
    project = awarded(organisation, social=True, environmental=True)
    contract = published_contract(organisation, social=False, environmental=True)
    link(project, contract)
    report = selectors.reconciliation(organisation)
    (line,) = report.disagreements
    assert (line.project, line.contract, line.kinds) == (project, contract, ("social",))
    assert line.messages == [
        "La fiche prévoit une considération sociale, les données publiées disent « Pas de considération sociale »."
    ]
    assert report.linked_count == 1 and report.not_comparable == []
    # The form plans it, the publication says none: the publication is the side to correct.
    (correction,) = line.corrections
    assert (correction.side, correction.dimension) == ("decp", "social")
    assert correction.action.startswith("Corriger la publication sur le profil d'acheteur : y déclarer la")


def test_published_environmental_clause_the_form_does_not_plan(organisation):
    link(awarded(organisation), published_contract(organisation, environmental=True))
    (line,) = selectors.reconciliation(organisation).disagreements
    assert line.kinds == ("environmental",)
    assert "déclarent une considération environnementale (Clause environnementale)" in line.messages[0]
    # The signed contract went further than the form: the form is the side to take up.
    assert [(c.side, c.dimension) for c in line.corrections] == [("form", "environmental")]
    assert line.corrections[0].action.startswith("Reprendre la fiche")


def test_each_dimension_gets_its_own_correction(organisation):
    link(awarded(organisation, social=True), published_contract(organisation, environmental=True))
    (line,) = selectors.reconciliation(organisation).disagreements
    assert [(c.side, c.dimension) for c in line.corrections] == [("decp", "social"), ("form", "environmental")]
    assert line.kinds == ("social", "environmental")


def test_agreeing_forms_and_other_organisations_are_not_listed(organisation):
    link(awarded(organisation, social=True), published_contract(organisation, social=True))
    other = OrganisationFactory()
    link(awarded(other, social=True), published_contract(other))
    report = selectors.reconciliation(organisation)
    assert report.disagreements == [] and report.linked_count == 1


def test_a_2019_contract_cannot_be_compared(organisation):
    project = awarded(organisation, social=True)
    contract = ContractFactory(buyer=organisation, format_version="2019", considerations_published=False)
    link(project, contract)
    report = selectors.reconciliation(organisation)
    assert report.disagreements == []
    assert [(line.contract, line.plans_social, line.plans_environmental) for line in report.not_comparable] == [
        (contract, True, False)
    ]


def test_the_form_rows_decide_what_is_planned(organisation):
    """A social clause row (not only the insertion flag) counts, as in planned_considerations."""
    project = awarded(organisation)
    Clause.objects.create(project=project, label="Entreprise adaptée", dimension=ClauseDimension.SOCIAL)
    link(project, published_contract(organisation, social=False))
    (line,) = selectors.reconciliation(organisation).disagreements
    assert line.plans_social is True and line.kinds == ("social",)


def test_filters_by_year_direction_and_kind(organisation, direction, other_direction):
    a = awarded(organisation, social=True, direction=direction)
    link(a, published_contract(organisation, notified_on=datetime.date(2025, 5, 1)))
    b = awarded(organisation, direction=other_direction)
    link(b, published_contract(organisation, environmental=True, notified_on=datetime.date(2024, 5, 1)))

    def projects(**filters):
        return {line.project for line in selectors.reconciliation(organisation, **filters).disagreements}

    assert projects() == {a, b}
    assert projects(year=2025) == {a}
    assert projects(direction=other_direction) == {b}
    assert projects(kind="social") == {a}
    assert projects(kind="environmental") == {b}


def test_contracts_above_the_form_threshold_without_a_form(organisation):
    uncovered = ContractFactory(buyer=organisation, current_amount=D(40000), initial_amount=D(40000))
    ContractFactory(buyer=organisation, current_amount=D("39999.99"), initial_amount=D("39999.99"))
    no_current = ContractFactory(buyer=organisation, current_amount=None, initial_amount=D(50000))
    link(awarded(organisation), ContractFactory(buyer=organisation, current_amount=D(900000)))
    ContractFactory(buyer=OrganisationFactory(), current_amount=D(900000))
    # A concession is no purchase: no purchase form is asked for it, as the coverage indicator counts.
    ContractFactory(buyer=organisation, kind=ContractKind.CONCESSION, initial_amount=D(900000))
    report = selectors.reconciliation(organisation)
    assert report.form_threshold == D(40000)
    assert {line.contract for line in report.uncovered} == {uncovered, no_current}
    assert report.uncovered_count == 2
    assert selectors.reconciliation(organisation, year=2023).uncovered_count == 0


def test_page_lists_disagreements_with_links_to_both_sides(pilot_client, organisation):
    project = awarded(organisation, social=True, subject="Entretien des espaces verts")
    contract = published_contract(organisation, external_id="2025-EV-01")
    link(project, contract)
    page = text(pilot_client.get(reverse("strategies:reconciliation")))
    assert "1</strong> marché en désaccord avec sa fiche" in page
    assert reverse("strategies:project_detail", args=[project.pk]) in page
    assert reverse("contracts:detail", args=[contract.pk]) in page
    assert "Pas de considération sociale" in page
    assert "<strong>Les données publiées (DECP)</strong> : Corriger la publication sur le profil d'acheteur" in page
    page = text(pilot_client.get(reverse("strategies:reconciliation"), {"kind": "environmental"}))
    assert "Aucun écart pour ces filtres." in page


def test_the_form_side_links_to_the_form_for_buyers_only(client, people, pilot_client, organisation):
    project = awarded(organisation, subject="Entretien des espaces verts")
    link(project, published_contract(organisation, environmental=True))
    form_link = reverse("strategies:project_detail", args=[project.pk]) + "#marches"
    page = " ".join(text(pilot_client.get(reverse("strategies:reconciliation"))).split())
    assert "<strong>La fiche</strong> : Reprendre la fiche" in page
    assert form_link not in page
    client.force_login(people[Role.BUYER])
    page = text(client.get(reverse("strategies:reconciliation")))
    assert f'<a href="{form_link}">Ouvrir la fiche' in page


def test_bad_filter_values_are_ignored_with_a_message(pilot_client, organisation):
    response = pilot_client.get(reverse("strategies:reconciliation"), {"year": "abc", "kind": "autre"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)


def test_page_query_count_does_not_grow(pilot_client, organisation, direction, django_assert_max_num_queries):
    def add(count):
        for index in range(count):
            project = awarded(organisation, social=True, direction=direction)
            Clause.objects.create(project=project, label="Déchets", dimension=ClauseDimension.ENVIRONMENTAL)
            link(project, published_contract(organisation))
            ContractFactory(buyer=organisation, current_amount=D(50000 + index))

    add(2)
    with django_assert_max_num_queries(30) as few:
        pilot_client.get(reverse("strategies:reconciliation"))
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = pilot_client.get(reverse("strategies:reconciliation"))
    assert "22</strong> marchés en désaccord" in text(response)


def test_csv_and_xlsx_exports_list_every_line(pilot_client, organisation):
    link(awarded(organisation, social=True), published_contract(organisation, external_id="ECART-1"))
    ContractFactory(buyer=organisation, external_id="SANS-FICHE-1", current_amount=D(80000))
    response = pilot_client.get(reverse("strategies:reconciliation_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["situation"], row["marche_id"], row["fiche_sociale"]) for row in rows] == [
        ("Désaccord entre la fiche et les données publiées", "ECART-1", "oui"),
        ("Marché sans fiche", "SANS-FICHE-1", ""),
    ]
    assert "Pas de considération sociale" in rows[0]["ecarts"]
    assert rows[0]["a_corriger"].startswith("Les données publiées (DECP) : Corriger la publication")
    assert rows[1]["a_corriger"] == ""
    response = pilot_client.get(reverse("strategies:reconciliation_xlsx"), {"kind": "environmental"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Situation"
    assert [row[5] for row in values[1:]] == ["SANS-FICHE-1"]


def test_home_page_counts_the_disagreements_for_buyers(client, people, organisation):
    link(awarded(organisation, social=True), published_contract(organisation))
    client.force_login(people[Role.BUYER])
    page = text(client.get("/"))
    assert "Écarts entre fiches et marchés publiés" in page


@pytest.fixture
def threshold_raised_in_2025():
    """The référentiel's form threshold: 40,000 € from 2023 to 31/12/2024, 90,000 € from 01/01/2025."""
    from spaser.referentiel.enums import BuyerKind, ContractNature, LegalStatus
    from spaser.referentiel.models import Threshold

    Threshold.objects.filter(code=selectors.FORM_THRESHOLD_CODE).delete()
    for amount, valid_from, valid_to in (
        (40000, datetime.date(2023, 1, 1), datetime.date(2024, 12, 31)),
        (90000, datetime.date(2025, 1, 1), None),
    ):
        Threshold.objects.create(
            code=selectors.FORM_THRESHOLD_CODE,
            label="Seuil de la fiche",
            buyer_kinds=list(BuyerKind.values),
            natures=list(ContractNature.values),
            amount=D(amount),
            valid_from=valid_from,
            valid_to=valid_to,
            legal_basis="Test",
            status=LegalStatus.VERIFIED,
        )


def test_contracts_without_a_form_are_compared_with_the_threshold_of_their_notification_date(
    organisation, threshold_raised_in_2025
):
    def contract(day, amount, external_id):
        return ContractFactory(
            buyer=organisation,
            notified_on=day,
            current_amount=D(amount),
            initial_amount=D(amount),
            external_id=external_id,
        )

    eve = contract(datetime.date(2024, 12, 31), 50000, "VEILLE")
    contract(datetime.date(2025, 1, 1), 89999, "LENDEMAIN-SOUS-SEUIL")
    day_of = contract(datetime.date(2025, 1, 1), 90000, "LENDEMAIN")
    old = contract(datetime.date(2019, 5, 2), 45000, "AVANT-REFERENTIEL")  # before any row: the engine's default
    contract(None, 60000, "SANS-DATE")  # no notification date: today's threshold
    report = selectors.reconciliation(organisation)
    assert report.form_threshold == D(90000)
    assert [(p.start, p.end, p.amount) for p in report.threshold_periods] == [
        (None, datetime.date(2024, 12, 31), D(40000)),
        (datetime.date(2025, 1, 1), None, D(90000)),
    ]
    assert [(line.contract, line.threshold) for line in report.uncovered] == [
        (day_of, D(90000)),
        (eve, D(40000)),
        (old, D(40000)),
    ]
    assert report.uncovered_count == 3


def test_the_organisations_own_threshold_replaces_the_referentiels_on_each_period(
    organisation, threshold_raised_in_2025
):
    from spaser.referentiel.models import BuyerSettings

    BuyerSettings.objects.update_or_create(organisation=organisation, defaults={"strategy_form_threshold": D(30000)})
    periods = selectors.form_threshold_periods(organisation)
    # 2023 on: the référentiel has a row, the organisation's own value wins; before: the engine's default.
    assert [(p.start, p.end, p.amount) for p in periods] == [
        (None, datetime.date(2022, 12, 31), D(40000)),
        (datetime.date(2023, 1, 1), None, D(30000)),
    ]


def test_page_shows_the_threshold_periods_and_each_contracts_threshold(
    pilot_client, organisation, threshold_raised_in_2025
):
    ContractFactory(
        buyer=organisation,
        notified_on=datetime.date(2024, 6, 1),
        initial_amount=D(50000),
        current_amount=D(50000),
        external_id="VEILLE",
    )
    page = " ".join(text(pilot_client.get(reverse("strategies:reconciliation"))).split())
    assert "seuil de la fiche en vigueur à leur date de notification (aujourd'hui 90 000 € HT)" in page
    assert "jusqu'au 31/12/2024 : 40 000 € HT" in page
    assert "depuis le 01/01/2025 : 90 000 € HT" in page
    assert '<td class="text-end">50 000</td> <td class="text-end">40 000</td>' in page


def test_a_form_reopened_for_correction_is_listed_apart_until_validated_again(pilot_client, organisation, people):
    """While its form is being corrected, a linked contract is neither a disagreement (the form is not
    validated) nor a contract without a form: the report lists it apart, on the page and in the exports."""
    from spaser.strategies import services

    project = awarded(organisation, environmental=True, subject="Restauration des lycées")
    contract = link(project, published_contract(organisation, social=True, environmental=True)).contract
    other = awarded(organisation, environmental=True)
    link(other, published_contract(organisation, social=True, environmental=True))
    report = selectors.reconciliation(organisation)
    assert len(report.disagreements) == 2 and report.in_correction == []

    services.project_reopen(project=project, by=people[Role.BUYER], comment="Décrire la clause d'insertion")
    report = selectors.reconciliation(organisation)
    assert [line.project for line in report.disagreements] == [other]
    assert [(line.contract, line.situation) for line in report.in_correction] == [(contract, "in_correction")]
    assert contract not in [line.contract for line in report.uncovered]
    page = " ".join(text(pilot_client.get(reverse("strategies:reconciliation"))).split())
    assert "Fiches rouvertes pour correction" in page and "Restauration des lycées</a> : à reprendre" in page
    response = pilot_client.get(reverse("strategies:reconciliation_csv"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(content)) if contract.external_id in row]
    assert [row[0] for row in rows] == ["Fiche rouverte pour correction"]
