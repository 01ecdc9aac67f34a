"""The indicators that read the contract ↔ form link, the scopes other than the organisation, the SPASER periods,
and that each drill-down lists as many records as its stored value counted."""

import datetime as dt
from decimal import Decimal as D

import pytest

from spaser.contracts.enums import ContractKind
from spaser.indicators import registry
from spaser.indicators.enums import ScopeKind
from spaser.indicators.models import IndicatorValue
from spaser.indicators.services import indicator_values_compute, spaser_periods
from spaser.strategies.enums import CriterionKind
from spaser.strategies.models import AwardCriterion, ProjectContract
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory, SupplierFactory
from tests.indicators.test_registry import holder
from tests.referentiel.factories import FamilyFactory, SpaserFactory
from tests.strategies.factories import PurchaseProjectFactory
from tests.strategies.test_reconciliation import threshold_raised_in_2025  # noqa: F401 (fixture)

COVERAGE = "strategies.validated_form_coverage"
AGREEMENT = "strategies.consideration_agreement_share"


def _form(organisation, *, validated=True, environmental=False, **kwargs):
    project = PurchaseProjectFactory(organisation=organisation, validated=validated, **kwargs)
    if environmental:
        AwardCriterion.objects.create(
            project=project, label="Environnement", kind=CriterionKind.ENVIRONMENTAL, weight=15
        )
    return project


def _link(project, contract):
    return ProjectContract.objects.create(project=project, contract=contract)


@pytest.fixture
def linked(organisation):
    """2024: five markets at or above 40,000 € HT, three linked to a validated form; one below the threshold."""
    from spaser.accounts.models import Direction

    direction = Direction.objects.create(organisation=organisation, code="DAJ", name="Affaires juridiques")
    agreeing = ContractFactory(buyer=organisation, environmental=True, initial_amount=D(100000))
    disagreeing = ContractFactory(buyer=organisation, social=True, initial_amount=D(50000))
    at_threshold = ContractFactory(buyer=organisation, environmental=True, initial_amount=D(40000))
    ContractFactory(buyer=organisation, environmental=True, initial_amount=D("39999.99"))
    draft_linked = ContractFactory(buyer=organisation, initial_amount=D(200000))
    unpublished = ContractFactory(buyer=organisation, considerations_published=False, initial_amount=D(60000))
    _link(_form(organisation, environmental=True, direction=direction), agreeing)
    _link(_form(organisation, environmental=True, direction=direction), disagreeing)  # publishes social only
    _link(_form(organisation, validated=False), draft_linked)
    _link(_form(organisation), unpublished)
    return {
        "agreeing": agreeing,
        "disagreeing": disagreeing,
        "at_threshold": at_threshold,
        "draft_linked": draft_linked,
        "unpublished": unpublished,
        "direction": direction,
    }


def test_coverage_counts_markets_at_or_above_the_threshold_linked_to_a_validated_form(organisation, linked):
    result = registry.get(COVERAGE).compute(organisation, [2024])[2024]
    # denominator: 100k, 50k, 40k (threshold included), 200k, 60k; numerator: 100k, 50k, 60k
    assert (result.numerator, result.denominator, result.value) == (D(3), D(5), D(60))
    records = registry.get(COVERAGE).records(organisation, 2024)
    counted = {record.pk for record in records if record.counted}
    assert counted == {linked["agreeing"].pk, linked["disagreeing"].pk, linked["unpublished"].pk}
    assert len(records) == 5 and linked["at_threshold"].pk in {record.pk for record in records}


def test_coverage_follows_the_organisation_s_own_threshold(region, linked):
    organisation = region  # with the référentiel of thresholds loaded
    from spaser.referentiel.models import BuyerSettings

    BuyerSettings.objects.update_or_create(organisation=organisation, defaults={"strategy_form_threshold": D(50000)})
    result = registry.get(COVERAGE).compute(organisation, [2024])[2024]
    assert (result.numerator, result.denominator, result.value) == (D(3), D(4), D(75))


def _needing_a_form_by_both_sides(organisation, years):
    """(the contracts the coverage's denominator counts, the linked ones among them, the report's contracts
    without a form) — the report's lines are the denominator's contracts that no form links."""
    from spaser.strategies.selectors import reconciliation

    definition = registry.get(COVERAGE)
    counted = {record.pk for year in years for record in definition.records(organisation, year)}
    linked = set(ProjectContract.objects.filter(contract_id__in=counted).values_list("contract_id", flat=True))
    uncovered = {line.contract.pk for line in reconciliation(organisation).uncovered}
    return counted, linked, uncovered


@pytest.mark.usefixtures("threshold_raised_in_2025")
def test_coverage_and_the_report_judge_each_contract_by_the_threshold_of_its_notification_date(organisation):
    """40,000 € HT up to 31/12/2024, 90,000 € HT since: a 2024 market of 50,000 € HT needed a form although it
    is under today's threshold."""

    def market(day, amount):
        return ContractFactory(buyer=organisation, notified_on=day, initial_amount=D(amount), current_amount=None)

    under_today_above_then = market(dt.date(2024, 6, 1), 50000)
    market(dt.date(2024, 6, 1), "39999.99")
    eve = market(dt.date(2024, 12, 31), 40000)
    market(dt.date(2025, 3, 1), 89999)
    at_today = market(dt.date(2025, 3, 1), 90000)
    covered = market(dt.date(2024, 3, 1), 45000)
    _link(_form(organisation), covered)
    _link(_form(organisation), market(dt.date(2025, 1, 1), 50000))  # linked, but no form was required
    concession = market(dt.date(2024, 6, 1), 900000)
    concession.kind = ContractKind.CONCESSION  # no purchase: neither side asks a form for it
    concession.save(update_fields=["kind"])
    results = registry.get(COVERAGE).compute(organisation, [2024, 2025])
    assert (results[2024].numerator, results[2024].denominator) == (D(1), D(3))
    assert (results[2025].numerator, results[2025].denominator) == (D(0), D(1))
    counted, linked, uncovered = _needing_a_form_by_both_sides(organisation, [2024, 2025])
    assert counted == {under_today_above_then.pk, eve.pk, at_today.pk, covered.pk}
    assert linked == {covered.pk}
    assert uncovered == counted - linked


@pytest.mark.usefixtures("threshold_raised_in_2025")
def test_the_organisations_own_threshold_counts_from_the_first_referentiel_period_only(organisation):
    """The organisation's 30,000 € HT replaces the référentiel's rows (2023 on); before them, the engine's default
    of 40,000 € HT: a 2022 market of 35,000 € HT needed no form although it is above today's threshold."""
    from spaser.referentiel.models import BuyerSettings

    BuyerSettings.objects.update_or_create(organisation=organisation, defaults={"strategy_form_threshold": D(30000)})
    ContractFactory(buyer=organisation, notified_on=dt.date(2022, 6, 1), initial_amount=D(35000))
    needed = ContractFactory(buyer=organisation, notified_on=dt.date(2023, 6, 1), initial_amount=D(35000))
    results = registry.get(COVERAGE).compute(organisation, [2022, 2023])
    assert 2022 not in results and results[2023].denominator == D(1)
    counted, linked, uncovered = _needing_a_form_by_both_sides(organisation, [2022, 2023])
    assert counted == uncovered == {needed.pk} and not linked


def test_the_initial_amount_decides_not_the_amended_one(organisation):
    """A market notified at 50,000 € HT and reduced by an amendment needed a form; one notified at 30,000 € HT and
    raised by an amendment did not (the form is required before the launch)."""
    reduced = ContractFactory(buyer=organisation, initial_amount=D(50000), current_amount=D(30000))
    ContractFactory(buyer=organisation, initial_amount=D(30000), current_amount=D(60000))
    assert registry.get(COVERAGE).compute(organisation, [2024])[2024].denominator == D(1)
    counted, linked, uncovered = _needing_a_form_by_both_sides(organisation, [2024])
    assert counted == uncovered == {reduced.pk}
    from spaser.strategies.selectors import reconciliation

    (line,) = reconciliation(organisation).uncovered
    assert (line.amount, line.threshold) == (D(50000), D(40000))  # the amount compared with the threshold


def test_a_recompute_reads_the_threshold_periods_once_whatever_the_scopes(organisation, linked):
    from unittest import mock

    from spaser.strategies import selectors

    with mock.patch.object(selectors, "form_threshold_periods", wraps=selectors.form_threshold_periods) as read:
        indicator_values_compute(organisation=organisation, years=[2024])
    assert read.call_count == 1  # computed for the organisation, then by family and by département
    assert IndicatorValue.objects.organisation_wide().get(key=COVERAGE, year=2024).value == 60


def test_data_quality_compares_published_considerations_with_the_form(organisation, linked):
    definition = registry.get(AGREEMENT)
    result = definition.compute(organisation, [2024])[2024]
    # Only linked contracts with published considerations and a validated form: 100k agrees, 50k does not.
    assert (result.numerator, result.denominator, result.value) == (D(1), D(2), D(50))
    records = definition.mark(organisation, definition.records(organisation, 2024))
    assert {(record.pk, record.counted) for record in records} == {
        (linked["agreeing"].pk, True),
        (linked["disagreeing"].pk, False),
    }


def test_both_are_stored_and_scoped_by_direction_where_it_makes_sense(organisation, linked):
    indicator_values_compute(organisation=organisation, years=[2024])
    stored = IndicatorValue.objects.organisation_wide().get(key=AGREEMENT, year=2024)
    assert stored.value == 50 and stored.record_count == 2
    by_direction = IndicatorValue.objects.get(key=AGREEMENT, year=2024, scope_kind=ScopeKind.DIRECTION)
    assert by_direction.scope_value == "DAJ" and by_direction.value == 50
    assert IndicatorValue.objects.organisation_wide().get(key=COVERAGE, year=2024).value == 60
    # Only linked contracts have a direction: a coverage by direction would always be 100 %.
    assert not IndicatorValue.objects.filter(key=COVERAGE, scope_kind=ScopeKind.DIRECTION).exists()


def test_a_confirmed_link_asks_for_a_recompute_of_its_organisation(organisation, django_capture_on_commit_callbacks):
    contract = ContractFactory(buyer=organisation, environmental=True)
    project = _form(organisation, environmental=True)
    indicator_values_compute(organisation=organisation, years=[2024])
    assert IndicatorValue.objects.organisation_wide().get(key=COVERAGE, year=2024).value == 0
    with django_capture_on_commit_callbacks(execute=True):
        _link(project, contract)
    assert IndicatorValue.objects.organisation_wide().get(key=COVERAGE, year=2024).value == 100
    assert IndicatorValue.objects.organisation_wide().get(key=AGREEMENT, year=2024).value == 100
    with django_capture_on_commit_callbacks(execute=True):
        ProjectContract.objects.filter(contract=contract).delete()
    assert IndicatorValue.objects.organisation_wide().get(key=COVERAGE, year=2024).value == 0


def test_a_new_link_makes_the_organisation_stale_for_the_periodic_recompute(organisation):
    from spaser.indicators.selectors import stale_organisation_ids

    contract = ContractFactory(buyer=organisation)
    indicator_values_compute(organisation=organisation, years=[2024])
    assert organisation.pk not in stale_organisation_ids()
    _link(_form(organisation), contract)
    assert organisation.pk in stale_organisation_ids()


# --- Scopes -----------------------------------------------------------------------------------------------------


@pytest.fixture
def places():
    from spaser.geo.models import Departement, Region

    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    return {
        code: Departement.objects.create(code=code, name=name, region=region)
        for code, name in [("45", "Loiret"), ("37", "Indre-et-Loire")]
    }


def test_pnad_by_family_departement_and_buyer_category(organisation, places):
    organisation.region_code, organisation.kind = "24", "region"
    organisation.save()
    cleaning, works = FamilyFactory(code="NETTOYAGE"), FamilyFactory(code="TRAVAUX-X")
    loiret, touraine = places["45"], places["37"]
    ContractFactory(buyer=organisation, environmental=True, family=cleaning, place_departement=loiret)
    ContractFactory(buyer=organisation, social=True, family=cleaning, place_departement=touraine)
    ContractFactory(buyer=organisation, environmental=True, family=works, place_departement=loiret)
    ContractFactory(buyer=organisation, social=True)  # no family, no place: only in the organisation's value
    commune = OrganisationFactory(kind="commune", region_code="24")
    ContractFactory(buyer=commune, environmental=True)
    ContractFactory(buyer=commune, social=True)
    elsewhere = OrganisationFactory(kind="commune", region_code="11")
    ContractFactory(buyer=elsewhere, environmental=True)  # outside the territory
    indicator_values_compute(organisation=organisation, years=[2024])
    values = {
        (value.scope_kind, value.scope_value): (value.value, value.record_count)
        for value in IndicatorValue.objects.filter(key="contracts.pnad_environmental_share", year=2024, span=1)
    }
    assert values == {
        ("organisation", ""): (D(50), 4),
        ("family", "NETTOYAGE"): (D(50), 2),
        ("family", "TRAVAUX-X"): (D(100), 1),
        ("departement", "45"): (D(100), 2),
        ("departement", "37"): (D(0), 1),
        ("buyer_kind", "region"): (D(50), 4),
        ("buyer_kind", "commune"): (D(50), 2),
    }


def test_form_indicators_by_direction_and_family(organisation):
    from spaser.accounts.models import Direction

    daj = Direction.objects.create(organisation=organisation, code="DAJ", name="Affaires juridiques")
    dpat = Direction.objects.create(organisation=organisation, code="DPAT", name="Patrimoine")
    family = FamilyFactory(code="NETTOYAGE")
    _form(organisation, direction=daj, family=family, reservation="siae")
    _form(organisation, direction=daj)
    _form(organisation, direction=dpat, family=family, reservation="siae")
    indicator_values_compute(organisation=organisation, years=[2026])
    values = {
        (value.scope_kind, value.scope_value): value.value
        for value in IndicatorValue.objects.filter(key="strategies.reserved_share", year=2026, span=1)
    }
    assert values[("organisation", "")] == D("66.6667")
    assert values[("direction", "DAJ")] == D(50) and values[("direction", "DPAT")] == D(100)
    assert values[("family", "NETTOYAGE")] == D(100)


def test_the_scope_scans_give_each_scope_the_result_of_a_filtered_computation(organisation, places):
    """Grouping by scope value in one query gives what the organisation-wide function gives on that scope."""
    sme, large = SupplierFactory(category="pme"), SupplierFactory(category="ge")
    for index in range(6):
        departement = places["45"] if index % 2 else places["37"]
        contract = ContractFactory(
            buyer=organisation,
            place_departement=departement,
            initial_amount=D(1000 * (index + 1)),
            offers_received=1 + index % 3,
            **({"environmental": True} if index % 3 else {"social": True}),
        )
        holder(contract, sme if index < 3 else large)
    definitions = list(registry.REGISTRY.values())
    with registry.grouping(scope_kind=ScopeKind.DEPARTEMENT):
        grouped = {
            **registry.compute_contract_shares(organisation, [2024], [d for d in definitions if d.share]),
            **registry.compute_holder_shares(organisation, [2024], [d for d in definitions if d.holder]),
        }
    for definition in definitions:
        if definition.key not in grouped:
            continue
        for code in ["45", "37"]:
            records = definition.records(organisation, 2024, scope_kind=ScopeKind.DEPARTEMENT, scope_value=code)
            result = grouped[definition.key].get((code, 2024))
            if result is None:
                assert not records, definition.key
                continue
            assert result.record_count == len(records), definition.key
            by_amount = (definition.share or definition.holder)[1]
            expected = sum((record.initial_amount if by_amount else 1) for record in records if record.counted)
            assert result.numerator == expected, definition.key


# --- SPASER periods ---------------------------------------------------------------------------------------------


def test_spaser_periods_are_the_whole_period_and_up_to_the_interim_review(organisation):
    SpaserFactory(organisation=organisation, period_start=2023, period_end=2027)
    assert spaser_periods(organisation) == [(2023, 2025), (2023, 2027)]


def test_the_dashboard_selector_offers_the_periods_the_recompute_stores(organisation):
    from spaser.indicators.selectors import period_option_label, spaser_periods_of

    spaser = SpaserFactory(organisation=organisation, period_start=2023, period_end=2027)
    periods = spaser_periods_of(spaser)
    assert [(period.year, period.last_year) for period in periods] == spaser_periods(organisation)
    assert [period_option_label(period, spaser) for period in periods] == [
        "2023-2025 (bilan à mi-parcours)",
        "2023-2027 (toute la période)",
    ]
    two_years = SpaserFactory(organisation=organisation, period_start=2030, period_end=2031)
    assert [(period.year, period.last_year) for period in spaser_periods_of(two_years)] == [(2030, 2031)]
    assert spaser_periods_of(SpaserFactory(organisation=organisation, period_start=2040, period_end=2040)) == []


def test_period_values_add_up_the_years_and_recount_distinct_holders(organisation):
    SpaserFactory(organisation=organisation, period_start=2023, period_end=2027)
    supplier = SupplierFactory(category="pme")
    holder(ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2023, 4, 1)), supplier)
    holder(ContractFactory(buyer=organisation, social=True, notified_on=dt.date(2023, 5, 1)), supplier)
    holder(ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2025, 6, 1)), supplier)
    ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2026, 6, 1))
    indicator_values_compute(organisation=organisation)
    pnad = {
        value.span: value
        for value in IndicatorValue.objects.organisation_wide()
        .model.objects.filter(key="contracts.pnad_environmental_share", year=2023, scope_kind="organisation")
        .exclude(span=1)
    }
    assert pnad[3].value == D("66.6667") and pnad[3].record_count == 3  # 2023-2025: 2 of 3
    assert pnad[5].value == D(75) and pnad[5].record_count == 4  # 2023-2027: 3 of 4
    assert pnad[3].period_label == "2023-2025"
    holders = IndicatorValue.objects.get(
        key="contracts.distinct_holders", year=2023, span=3, scope_kind="organisation"
    )
    assert holders.value == 1  # one supplier over the period, though it holds markets in two years
    # The calendar-year values are not mixed with the periods.
    assert (
        IndicatorValue.objects.organisation_wide().get(key="contracts.pnad_environmental_share", year=2023).value == 50
    )


def test_period_drill_down_lists_the_records_of_every_year(organisation):
    SpaserFactory(organisation=organisation, period_start=2023, period_end=2027)
    ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2023, 4, 1))
    ContractFactory(buyer=organisation, social=True, notified_on=dt.date(2025, 5, 1))
    ContractFactory(buyer=organisation, social=True, notified_on=dt.date(2027, 5, 1))
    indicator_values_compute(organisation=organisation)
    stored = IndicatorValue.objects.get(
        key="contracts.pnad_environmental_share", year=2023, span=3, scope_kind="organisation"
    )
    records = registry.get("contracts.pnad_environmental_share").records(organisation, 2023, last_year=2025)
    assert len(records) == stored.record_count == 2
    assert sum(record.counted for record in records) == stored.numerator == 1


# --- Drill-down consistency ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "contracts.pnad_environmental_share",
        "contracts.pnad_social_amount_share",
        "contracts.single_offer_share",
        COVERAGE,
        AGREEMENT,
        "strategies.reserved_share",
    ],
)
def test_drill_down_length_equals_the_stored_count(organisation, linked, key):
    ContractFactory(buyer=organisation, environmental=True, offers_received=1)
    ContractFactory(buyer=organisation, social=True, offers_received=3, initial_amount=None)
    _form(organisation, reservation="siae")
    indicator_values_compute(organisation=organisation, years=[2024, 2026])
    definition = registry.get(key)
    for stored in IndicatorValue.objects.filter(key=key, span=1):
        records = definition.mark(
            organisation,
            definition.records(
                organisation, stored.year, scope_kind=stored.scope_kind, scope_value=stored.scope_value
            ),
        )
        assert len(records) == stored.record_count, (stored.scope_kind, stored.scope_value)
        by_amount = "amount" in key
        counted = sum((record.initial_amount if by_amount else 1) for record in records if record.counted)
        assert counted == stored.numerator, (stored.scope_kind, stored.scope_value)


def test_a_recompute_without_scopes_keeps_the_scoped_values(organisation):
    family = FamilyFactory(code="NETTOYAGE")
    ContractFactory(buyer=organisation, environmental=True, family=family)
    indicator_values_compute(organisation=organisation, years=[2024])
    scoped = IndicatorValue.objects.filter(scope_kind=ScopeKind.FAMILY, scope_value="NETTOYAGE")
    assert scoped.exists()
    ContractFactory(buyer=organisation, social=True, family=family)
    indicator_values_compute(organisation=organisation, years=[2024], scopes=False)
    assert scoped.get(key="contracts.pnad_environmental_share", year=2024).value == 100  # left as it was
    assert (
        IndicatorValue.objects.organisation_wide().get(key="contracts.pnad_environmental_share", year=2024).value == 50
    )


def test_the_shared_holder_scan_gives_the_same_results_for_every_scope(organisation, places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from spaser.accounts.models import Direction

    organisation.region_code, organisation.departement_code = "24", "45"
    organisation.save()
    direction = Direction.objects.create(organisation=organisation, code="DAJ", name="Affaires juridiques")
    families = [FamilyFactory(code="NETTOYAGE"), FamilyFactory(code="IMPRESSION")]
    sme, ess = SupplierFactory(category="pme"), SupplierFactory(category="ge", is_ess=True)
    for index in range(8):
        contract = ContractFactory(
            buyer=organisation,
            family=families[index % 2],
            place_departement=places["45"] if index % 3 else None,
            initial_amount=None if index == 5 else D(1000 * (index + 1)),
            notified_on=dt.date(2023 + index % 2, 3, 1),
        )
        holder(contract, sme if index % 2 else ess)
        if index % 4 == 0:
            _link(_form(organisation, direction=direction), contract)
    holders = [definition for definition in registry.REGISTRY.values() if definition.holder]
    years = [2023, 2024]
    for kind in [ScopeKind.ORGANISATION, ScopeKind.DIRECTION, ScopeKind.FAMILY, ScopeKind.DEPARTEMENT]:
        with registry.grouping(scope_kind=kind):
            alone = registry.compute_holder_shares(organisation, years, holders)
        with registry.shared_holder_scan(organisation, years, holders), registry.grouping(scope_kind=kind):
            with CaptureQueriesContext(connection) as queries:
                shared = registry.compute_holder_shares(organisation, years, holders)
        assert any("ind_holder_flags_" in query["sql"] for query in queries.captured_queries)
        assert shared == alone, kind
        assert any(result for result in shared.values()), kind
    distinct = registry.get("contracts.distinct_holders")
    for kind in [ScopeKind.ORGANISATION, ScopeKind.DIRECTION, ScopeKind.FAMILY, ScopeKind.DEPARTEMENT]:
        for span, period_years in [(None, years), ((2023, 2024), years)]:
            with registry.grouping(scope_kind=kind, span=span):
                alone = distinct.compute(organisation, period_years)
            with (
                registry.shared_holder_scan(organisation, years, [distinct]),
                registry.grouping(scope_kind=kind, span=span),
                CaptureQueriesContext(connection) as queries,
            ):
                shared = distinct.compute(organisation, period_years)
            assert any("ind_holder_suppliers_" in query["sql"] for query in queries.captured_queries)
            assert shared == alone and shared, (kind, span)
