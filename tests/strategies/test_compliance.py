"""Each rule of the compliance engine at its boundaries (no database)."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from spaser.strategies import compliance
from spaser.strategies.compliance import AwardCriterionFact as Criterion, ClauseFact as Clause, Policy, ProjectFacts
from spaser.strategies.enums import CheckStatus, ClauseDimension, ClauseKind, CriterionKind, Reservation, Severity

D = Decimal
BEFORE = datetime.date(2026, 8, 20)
FROM = datetime.date(2026, 8, 21)
SERVICES_EU = D(216000)  # sub-central buyers, supplies and services, 2026-2027
WORKS_EU = D(5404000)


def compliant(**changes) -> ProjectFacts:
    """A project that passes every rule; each test changes one fact."""
    facts = ProjectFacts(
        nature="services",
        estimated_amount=D(100000),
        duration_months=24,
        launch_date=FROM,
        award_criteria=(
            Criterion("Prix", CriterionKind.PRICE, D(50)),
            Criterion("Valeur technique", CriterionKind.TECHNICAL, D(35)),
            Criterion("Performance environnementale", CriterionKind.ENVIRONMENTAL, D(15)),
        ),
        clauses=(Clause("Réduction des déchets", ClauseDimension.ENVIRONMENTAL),),
        insertion_clause=True,
        insertion_hours=D(120),
        allotment_reason="Prestation indivisible",
    )
    return replace(facts, **changes)


def status(code, facts, policy=None):
    return compliance.check(facts, policy or Policy(eu_threshold=SERVICES_EU)).get(code).status


def test_compliant_project_can_be_submitted():
    report = compliance.check(compliant(), Policy(eu_threshold=SERVICES_EU))
    assert report.can_submit, [finding.message for finding in report.blocking]
    assert not report.failed


def test_every_rule_has_code_message_severity_and_reference():
    report = compliance.check(ProjectFacts())
    codes = [finding.code for finding in report.findings]
    assert len(codes) == len(set(codes)) == len(compliance.RULES)
    for finding in report.findings:
        assert finding.message and finding.reference
        assert finding.severity in Severity.values


# --- form required at or above the organisation's threshold ----------------------------------------------


@pytest.mark.parametrize(
    "amount, required", [(D("39999.99"), False), (D("40000"), True), (D("40000.01"), True), (None, False)]
)
def test_form_required_at_or_above_threshold(amount, required):
    assert compliance.form_required(amount, D(40000)) is required


def test_form_required_uses_organisation_threshold():
    assert status("FICHE-OBLIGATOIRE", compliant(estimated_amount=D(40000))) == CheckStatus.PASSED
    policy = Policy(form_threshold=D(90000), eu_threshold=SERVICES_EU)
    assert status("FICHE-OBLIGATOIRE", compliant(estimated_amount=D(40000)), policy) == CheckStatus.NOT_APPLICABLE


@pytest.mark.parametrize("amount", [D(0), D(-1), None])
def test_zero_negative_or_missing_amount_blocks(amount):
    report = compliance.check(compliant(estimated_amount=amount), Policy(eu_threshold=SERVICES_EU))
    assert report.get("MONTANT-POSITIF").blocks


# --- weights ----------------------------------------------------------------------------------------------


def _weights(*weights):
    kinds = [CriterionKind.ENVIRONMENTAL, CriterionKind.PRICE, CriterionKind.TECHNICAL]
    return tuple(Criterion(f"C{i}", kinds[i % 3], weight) for i, weight in enumerate(weights))


@pytest.mark.parametrize(
    "weights, expected",
    [
        ((D(15), D(50), D("34.99")), CheckStatus.FAILED),  # 99.99 %
        ((D(15), D(50), D(35)), CheckStatus.PASSED),  # 100 %
        ((D(15), D(50), D("35.01")), CheckStatus.FAILED),  # 100.01 %
        ((D("12.5"), D(50), D("37.5")), CheckStatus.PASSED),
    ],
)
def test_weights_must_total_exactly_100(weights, expected):
    assert status("PONDERATIONS-100", compliant(award_criteria=_weights(*weights))) == expected


def test_weights_message_shows_the_total_in_french():
    report = compliance.check(compliant(award_criteria=_weights(D(15), D(50), D("34.99"))))
    assert "99,99 %" in report.get("PONDERATIONS-100").message


def test_criterion_without_weight_or_no_criterion_blocks():
    assert status("PONDERATIONS-100", compliant(award_criteria=())) == CheckStatus.FAILED
    assert status("PONDERATIONS-100", compliant(award_criteria=_weights(D(15), D(85), None))) == CheckStatus.FAILED


# --- environmental weight inside the SPASER range -------------------------------------------------------------


@pytest.mark.parametrize(
    "weight, expected",
    [
        (D("9.99"), CheckStatus.FAILED),
        (D("10"), CheckStatus.PASSED),
        (D("15"), CheckStatus.PASSED),
        (D("15.01"), CheckStatus.FAILED),
    ],
)
def test_environmental_weight_inside_spaser_range(weight, expected):
    criteria = _weights(weight, D(50), D(50) - weight)
    assert status("CRITERE-ENV-SPASER", compliant(award_criteria=criteria)) == expected


def test_environmental_range_is_configurable_per_organisation():
    criteria = _weights(D(20), D(50), D(30))
    assert status("CRITERE-ENV-SPASER", compliant(award_criteria=criteria)) == CheckStatus.FAILED
    policy = Policy(env_weight_min=D(15), env_weight_max=D(25), eu_threshold=SERVICES_EU)
    assert status("CRITERE-ENV-SPASER", compliant(award_criteria=criteria), policy) == CheckStatus.PASSED


def test_no_environmental_criterion_fails_spaser_range():
    criteria = (Criterion("Prix", CriterionKind.PRICE, D(60)), Criterion("Technique", CriterionKind.TECHNICAL, D(40)))
    assert status("CRITERE-ENV-SPASER", compliant(award_criteria=criteria)) == CheckStatus.FAILED


# --- loi Climat et résilience: consultations launched on or after 2026-08-21 ---------------------------------

PRICE_ONLY = (Criterion("Prix", CriterionKind.PRICE, D(100)),)
SINGLE_COST = (Criterion("Coût du cycle de vie", CriterionKind.COST, D(100), includes_environment=True),)


@pytest.mark.parametrize("launch, expected", [(BEFORE, CheckStatus.NOT_APPLICABLE), (FROM, CheckStatus.FAILED)])
def test_price_only_award_forbidden_from_2026_08_21(launch, expected):
    facts = compliant(award_criteria=PRICE_ONLY, launch_date=launch)
    assert status("LOI-PAS-PRIX-SEUL", facts) == expected
    assert status("LOI-CRITERE-ENV", facts) == expected


def test_single_cost_criterion_with_environment_is_lawful_and_exempt_from_spaser_range():
    facts = compliant(award_criteria=SINGLE_COST)
    assert status("LOI-CRITERE-ENV", facts) == CheckStatus.PASSED
    assert status("LOI-PAS-PRIX-SEUL", facts) == CheckStatus.PASSED
    assert status("CRITERE-ENV-SPASER", facts) == CheckStatus.NOT_APPLICABLE


def test_single_cost_criterion_without_environment_fails_from_2026_08_21():
    facts = compliant(award_criteria=(Criterion("Coût", CriterionKind.COST, D(100)),))
    assert status("LOI-CRITERE-ENV", facts) == CheckStatus.FAILED


def test_no_launch_date_means_law_not_yet_applicable():
    assert status("LOI-CONDITION-ENV", compliant(clauses=(), launch_date=None)) == CheckStatus.NOT_APPLICABLE


@pytest.mark.parametrize("launch, expected", [(BEFORE, CheckStatus.NOT_APPLICABLE), (FROM, CheckStatus.FAILED)])
def test_environmental_execution_condition_required_from_2026_08_21(launch, expected):
    assert status("LOI-CONDITION-ENV", compliant(clauses=(), launch_date=launch)) == expected


def test_environmental_technical_specification_is_not_an_execution_condition():
    clause = Clause("Papier recyclé", ClauseDimension.ENVIRONMENTAL, ClauseKind.TECHNICAL_SPECIFICATION)
    assert status("LOI-CONDITION-ENV", compliant(clauses=(clause,))) == CheckStatus.FAILED


@pytest.mark.parametrize(
    "nature, eu_threshold, amount, expected",
    [
        ("services", SERVICES_EU, D("215999.99"), CheckStatus.NOT_APPLICABLE),
        ("services", SERVICES_EU, D("216000"), CheckStatus.FAILED),
        ("works", WORKS_EU, D("5403999.99"), CheckStatus.NOT_APPLICABLE),
        ("works", WORKS_EU, D("5404000"), CheckStatus.FAILED),
    ],
)
def test_social_execution_condition_at_eu_threshold(nature, eu_threshold, amount, expected):
    facts = compliant(nature=nature, estimated_amount=amount, insertion_clause=False, social_justification="x")
    assert status("LOI-CONDITION-SOCIALE", facts, Policy(eu_threshold=eu_threshold)) == expected


def test_social_execution_condition_not_before_2026_08_21():
    facts = compliant(estimated_amount=D(300000), insertion_clause=False, launch_date=BEFORE, social_justification="x")
    assert status("LOI-CONDITION-SOCIALE", facts) == CheckStatus.NOT_APPLICABLE


def test_social_execution_condition_met_by_clause_insertion_or_recorded_exception():
    base = compliant(estimated_amount=D(300000), insertion_clause=False, social_justification="x")
    social = Clause("Apprentis", ClauseDimension.SOCIAL)
    assert status("LOI-CONDITION-SOCIALE", replace(base, clauses=(social,))) == CheckStatus.PASSED
    assert status("LOI-CONDITION-SOCIALE", replace(base, insertion_clause=True)) == CheckStatus.PASSED
    assert status("LOI-CONDITION-SOCIALE", replace(base, social_exception="Solution immédiatement disponible")) == (
        CheckStatus.PASSED
    )
    assert status("LOI-CONDITION-SOCIALE", replace(base, social_exception="   ")) == CheckStatus.FAILED


# --- comply or explain, reservation, insertion hours, lots --------------------------------------------------------


def test_no_social_consideration_requires_justification():
    facts = compliant(insertion_clause=False, insertion_hours=None)
    assert status("SOCIAL-OU-JUSTIFICATION", facts) == CheckStatus.FAILED
    assert status("SOCIAL-OU-JUSTIFICATION", replace(facts, social_justification="Achat sur étagère")) == (
        CheckStatus.PASSED
    )
    for variant in (
        replace(facts, reservation=Reservation.INSERTION),
        replace(facts, social_devices=("apprentices",)),
        replace(facts, clauses=(Clause("Égalité", ClauseDimension.SOCIAL),)),
        replace(facts, award_criteria=(*facts.award_criteria, Criterion("Insertion", CriterionKind.SOCIAL, D(0)))),
    ):
        assert status("SOCIAL-OU-JUSTIFICATION", variant) == CheckStatus.PASSED


@pytest.mark.parametrize(
    "reservation, nature, months, expected",
    [
        (Reservation.DISABLED_WORKERS, "supplies", 48, CheckStatus.PASSED),
        (Reservation.INSERTION, "works", 48, CheckStatus.PASSED),
        (Reservation.SOCIAL_ECONOMY, "services", 36, CheckStatus.PASSED),
        (Reservation.SOCIAL_ECONOMY, "services", 37, CheckStatus.FAILED),
        (Reservation.SOCIAL_ECONOMY, "services", None, CheckStatus.FAILED),
        (Reservation.SOCIAL_ECONOMY, "supplies", 12, CheckStatus.FAILED),
        (Reservation.NONE, "supplies", 12, CheckStatus.NOT_APPLICABLE),
    ],
)
def test_reservation_consistent_with_legal_basis(reservation, nature, months, expected):
    facts = compliant(reservation=reservation, nature=nature, duration_months=months)
    assert status("RESERVATION-FONDEMENT", facts) == expected


@pytest.mark.parametrize(
    "hours, expected", [(None, CheckStatus.FAILED), (D(0), CheckStatus.FAILED), (D(1), CheckStatus.PASSED)]
)
def test_insertion_hours_positive_when_clause_chosen(hours, expected):
    assert status("HEURES-INSERTION", compliant(insertion_hours=hours)) == expected
    assert status("HEURES-INSERTION", compliant(insertion_clause=False, insertion_hours=hours)) == (
        CheckStatus.NOT_APPLICABLE
    )


def test_insertion_hours_standard_formula():
    hours = compliance.insertion_hours(amount=D(1000000), labour_share=D(50), insertion_rate=D(5), hourly_cost=D(30))
    assert hours == D(833)
    with pytest.raises(ValueError):
        compliance.insertion_hours(amount=D(1000), labour_share=D(50), insertion_rate=D(5), hourly_cost=D(0))


@pytest.mark.parametrize(
    "lots, expected",
    [
        ((D(60000), D(40000)), CheckStatus.PASSED),
        ((D(60000), D("39999.99")), CheckStatus.FAILED),
        ((D(60000), None), CheckStatus.FAILED),
        ((), CheckStatus.FAILED),
    ],
)
def test_lots_add_up_to_the_total(lots, expected):
    assert status("LOTS-TOTAL", compliant(is_allotted=True, lot_amounts=lots)) == expected


def test_not_allotted_needs_a_reason_as_a_warning_only():
    report = compliance.check(compliant(allotment_reason=""), Policy(eu_threshold=SERVICES_EU))
    finding = report.get("ALLOTISSEMENT-MOTIF")
    assert finding.failed and not finding.blocks
    assert report.can_submit


def test_technical_memo_without_reason_is_advice():
    report = compliance.check(compliant(technical_memo_requested=True), Policy(eu_threshold=SERVICES_EU))
    assert report.get("MEMOIRE-TECHNIQUE").failed
    assert report.get("MEMOIRE-TECHNIQUE").severity == Severity.ADVICE
    assert report.can_submit


def test_eu_threshold_reached_boundaries():
    assert compliance.eu_threshold_reached(D(216000), SERVICES_EU)
    assert not compliance.eu_threshold_reached(D("215999.99"), SERVICES_EU)
    assert not compliance.eu_threshold_reached(D(300000), None)


def test_missing_launch_date_blocks_since_it_decides_which_rules_apply():
    report = compliance.check(compliant(launch_date=None), Policy(eu_threshold=SERVICES_EU))
    assert report.get("DATE-LANCEMENT").blocks
    assert compliance.check(compliant(), Policy(eu_threshold=SERVICES_EU)).get("DATE-LANCEMENT").status == (
        CheckStatus.PASSED
    )


def test_concession_needs_several_criteria_and_social_rule_is_not_enforced():
    single = compliant(nature="concession", award_criteria=SINGLE_COST, estimated_amount=D(6000000))
    policy = Policy(eu_threshold=WORKS_EU)
    assert status("LOI-CRITERE-ENV", single, policy) == CheckStatus.FAILED
    assert status("LOI-CRITERE-ENV", compliant(nature="concession"), policy) == CheckStatus.PASSED
    no_social = compliant(nature="concession", estimated_amount=D(6000000), insertion_clause=False)
    assert status("LOI-CONDITION-SOCIALE", no_social, policy) == CheckStatus.NOT_APPLICABLE


# --- What the form plans (compared with the published contract data) ---------------------------------------------


def bare(**changes) -> ProjectFacts:
    """Facts with no consideration at all; each case adds one."""
    return replace(compliant(), **{"award_criteria": (), "clauses": (), "insertion_clause": False, **changes})


@pytest.mark.parametrize(
    "facts, expected",
    [
        (bare(), False),
        (bare(award_criteria=(Criterion("Env", CriterionKind.ENVIRONMENTAL, D(15)),)), True),
        (bare(award_criteria=(Criterion("Coût", CriterionKind.COST, D(100), True),)), True),
        (bare(award_criteria=(Criterion("Coût", CriterionKind.COST, D(100), False),)), False),
        (bare(clauses=(Clause("Déchets", ClauseDimension.ENVIRONMENTAL),)), True),
        (bare(clauses=(Clause("Insertion", ClauseDimension.SOCIAL),)), False),
        (bare(award_criteria=(Criterion("Social", CriterionKind.SOCIAL, D(10)),)), False),
    ],
    ids=["nothing", "env-criterion", "cost-with-env", "cost-without-env", "env-clause", "social-clause", "social"],
)
def test_has_environmental_consideration(facts, expected):
    assert compliance.has_environmental_consideration(facts) is expected


@pytest.mark.parametrize(
    "facts, expected",
    [
        (bare(), False),
        (bare(insertion_clause=True), True),
        (bare(reservation=Reservation.INSERTION), True),
        (bare(social_devices=("apprentices",)), True),
        (bare(award_criteria=(Criterion("Social", CriterionKind.SOCIAL, D(10)),)), True),
        (bare(clauses=(Clause("Entreprise adaptée", ClauseDimension.SOCIAL),)), True),
        (bare(clauses=(Clause("Déchets", ClauseDimension.ENVIRONMENTAL),)), False),
    ],
    ids=["nothing", "insertion", "reservation", "device", "criterion", "clause", "env-clause"],
)
def test_has_social_consideration(facts, expected):
    assert compliance.has_social_consideration(facts) is expected
