"""The registry on small hand-built data: each family of indicators, its drill-down, and that it is SQL."""

import datetime as dt
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from spaser.indicators import registry
from spaser.indicators.models import IndicatorValue
from spaser.indicators.services import indicator_values_compute
from spaser.strategies.enums import CriterionKind, ProjectState, Transition
from spaser.strategies.models import AwardCriterion, ProjectTransitionLog
from tests.contracts.factories import ContractFactory, SupplierFactory
from tests.indicators.factories import aware
from tests.strategies.factories import PurchaseProjectFactory


def holder(contract, supplier, rank=1):
    from spaser.contracts.models import ContractHolder

    return ContractHolder.objects.create(
        contract=contract, rank=rank, identifier_type="SIRET", identifier=f"{supplier.siren}00011", supplier=supplier
    )


def test_pnad_shares_by_count_amount_and_kind(organisation):
    ContractFactory(buyer=organisation, environmental=True, initial_amount=D(300))
    ContractFactory(buyer=organisation, social=True, initial_amount=D(100))
    ContractFactory(
        buyer=organisation,
        considerations_published=True,
        social_none=True,
        environmental_none=True,
        initial_amount=D(600),
    )
    # Not counted: unpublished considerations, a concession, another year, another buyer.
    ContractFactory(buyer=organisation, considerations_published=False)
    ContractFactory(buyer=organisation, environmental=True, kind="concession")
    ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2023, 5, 1))
    ContractFactory(environmental=True)
    results = registry.get("contracts.pnad_environmental_share").compute(organisation, [2024])
    assert results[2024].value == D("33.3333") and results[2024].record_count == 3
    assert registry.get("contracts.pnad_environmental_amount_share").compute(organisation, [2024])[2024].value == D(30)
    assert registry.get("contracts.pnad_social_clause_share").compute(organisation, [2024])[2024].value == D("33.3333")
    assert registry.get("contracts.pnad_social_reserved_share").compute(organisation, [2024])[2024].value == D(0)
    assert registry.get("contracts.pnad_environmental_share").compute(organisation, [2023])[2023].value == D(100)


def test_holder_indicators_count_a_contract_once_whatever_its_holders(organisation):
    sme = SupplierFactory(category="pme", is_ess=True)
    large = SupplierFactory(category="ge")
    both = ContractFactory(buyer=organisation, considerations_published=True, initial_amount=D(1000))
    holder(both, sme, 1)
    holder(both, large, 2)
    big = ContractFactory(buyer=organisation, considerations_published=True, initial_amount=D(3000))
    holder(big, large)
    assert registry.get("contracts.sme_holder_share").compute(organisation, [2024])[2024].value == D(50)
    assert registry.get("contracts.ess_holder_amount_share").compute(organisation, [2024])[2024].value == D(25)
    distinct = registry.get("contracts.distinct_holders").compute(organisation, [2024])[2024]
    assert distinct.value == 2 and distinct.record_count == 2


def test_single_offer_advance_and_subcontracting_ignore_unpublished_values(organisation):
    ContractFactory(buyer=organisation, considerations_published=True, offers_received=1, advance=True)
    ContractFactory(buyer=organisation, considerations_published=True, offers_received=3, advance=False)
    ContractFactory(buyer=organisation, considerations_published=True, offers_received=None, advance=None)
    assert registry.get("contracts.single_offer_share").compute(organisation, [2024])[2024].value == D(50)
    assert registry.get("contracts.advance_share").compute(organisation, [2024])[2024].record_count == 2
    assert registry.get("contracts.subcontracting_share").compute(organisation, [2024]) == {}


def _validated(organisation, year, **kwargs):
    project = PurchaseProjectFactory(organisation=organisation, validated=True, validated_at=aware(year), **kwargs)
    return project


def test_form_indicators(organisation):
    in_range = _validated(organisation, 2025, insertion_clause=True, insertion_hours=D(300))
    AwardCriterion.objects.create(project=in_range, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=12)
    high = _validated(organisation, 2025, reservation="siae")
    AwardCriterion.objects.create(project=high, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=15)
    AwardCriterion.objects.create(
        project=high, label="Tech+env", kind=CriterionKind.TECHNICAL, weight=5, includes_environment=True
    )
    _validated(organisation, 2025, social_justification="Aucun levier social pertinent.")
    _validated(organisation, 2025)
    PurchaseProjectFactory(organisation=organisation, state=ProjectState.SUBMITTED)  # not validated
    compute = {key: registry.get(key).compute(organisation, [2025]).get(2025) for key in registry.REGISTRY}
    assert compute["strategies.environmental_criterion_weight_share"].value == D(50)
    assert compute["strategies.environmental_weight_in_range_share"].value == D(25)  # 20 % is above 15 %
    assert compute["strategies.environmental_weight_average"].value == D(8)  # (12 + 20 + 0 + 0) / 4
    assert compute["strategies.social_consideration_or_justification_share"].value == D(75)
    assert compute["strategies.reserved_share"].value == D(25)
    assert compute["strategies.planned_insertion_hours"].value == D(300)


def test_validation_delay_from_first_submission(organisation):
    project = _validated(organisation, 2025)
    ProjectTransitionLog.objects.create(
        project=project, transition=Transition.SUBMIT, from_state="draft", to_state="submitted"
    )
    ProjectTransitionLog.objects.filter(project=project).update(timestamp=project.validated_at - dt.timedelta(days=6))
    result = registry.get("strategies.validation_days_average").compute(organisation, [2025])[2025]
    assert result.value == D("6.00") and result.record_count == 1


def test_drill_down_lists_the_denominator_with_the_numerator_flag(organisation):
    counted = ContractFactory(buyer=organisation, environmental=True)
    not_counted = ContractFactory(buyer=organisation, social=True)
    records = registry.get("contracts.pnad_environmental_share").records(organisation, 2024)
    assert {(record.pk, record.counted) for record in records} == {(counted.pk, True), (not_counted.pk, False)}


def test_full_recompute_is_one_query_per_indicator_and_replaces_values(organisation):
    ContractFactory(buyer=organisation, environmental=True)
    with CaptureQueriesContext(connection) as queries:
        indicator_values_compute(organisation=organisation, years=[2023, 2024], scopes=False)
    # one aggregate per registered indicator, a few for the stocks, the thresholds, the delete and the insert
    assert len(queries) <= len(registry.REGISTRY) + 16
    with CaptureQueriesContext(connection) as queries:
        indicator_values_compute(organisation=organisation, years=[2023, 2024])
    # and at most as many again per kind of scope (one grouped query each, whatever the number of scopes)
    assert len(queries) <= 5 * (len(registry.REGISTRY) + 16)
    value = IndicatorValue.objects.organisation_wide().get(key="contracts.pnad_environmental_share", year=2024)
    assert value.value == 100 and value.record_count == 1
    ContractFactory(buyer=organisation, social=True)
    indicator_values_compute(organisation=organisation, years=[2024])
    assert (
        IndicatorValue.objects.organisation_wide().get(key="contracts.pnad_environmental_share", year=2024).value == 50
    )


def test_every_computation_key_of_the_default_spaser_is_registered_except_the_ones_reported():
    import yaml
    from django.conf import settings

    path = settings.BASE_DIR / "spaser" / "referentiel" / "data" / "spaser2_centre_val_de_loire.yaml"
    text = path.read_text(encoding="utf-8")
    keys = {line.split(":", 1)[1].strip() for line in text.splitlines() if "computation_key:" in line}
    assert keys
    yaml.safe_load(text)  # the file is what the référentiel loads
    assert keys <= set(registry.REGISTRY)


def test_every_definition_documents_its_formula():
    for definition in registry.REGISTRY.values():
        assert len(definition.formula) > 60, definition.key
        assert definition.reads, definition.key


def test_the_single_scan_gives_each_share_function_s_own_result(organisation):
    sme = SupplierFactory(category="pme", is_ess=True)
    for index, (trait, amount, offers) in enumerate(
        [("environmental", D(300), 1), ("social", D(100), 2), ("social", None, None), ("environmental", D(0), 1)]
    ):
        contract = ContractFactory(buyer=organisation, initial_amount=amount, offers_received=offers, **{trait: True})
        if index % 2:
            holder(contract, sme)
    ContractFactory(buyer=organisation, environmental=True, notified_on=dt.date(2023, 1, 1), initial_amount=None)
    shares = [definition for definition in registry.REGISTRY.values() if definition.share is not None]
    assert len(shares) >= 17
    batch = registry.compute_contract_shares(organisation, [2023, 2024], shares)
    for definition in shares:
        assert batch[definition.key] == definition.compute(organisation, [2023, 2024]), definition.key


def test_the_holder_scan_gives_each_holder_function_s_own_result(organisation):
    from spaser.geo.models import Commune, Departement, Region
    from spaser.suppliers.models import Establishment

    organisation.region_code, organisation.departement_code = "24", "45"
    organisation.save()
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    loiret = Departement.objects.create(code="45", name="Loiret", region=region)
    orleans = Commune.objects.create(code="45234", name="Orléans", departement=loiret)
    sme = SupplierFactory(category="pme", is_ess=True)
    local = Establishment.objects.create(supplier=sme, siret=f"{sme.siren}00011", commune=orleans)
    large = SupplierFactory(category="ge")
    first = ContractFactory(buyer=organisation, considerations_published=True, initial_amount=D(1000))
    holder(first, large, 1)
    from spaser.contracts.models import ContractHolder

    ContractHolder.objects.create(
        contract=first, rank=2, identifier_type="SIRET", identifier=local.siret, supplier=sme, establishment=local
    )
    holder(ContractFactory(buyer=organisation, considerations_published=True, initial_amount=None), sme)
    holder(ContractFactory(buyer=organisation, considerations_published=True, initial_amount=D(3000)), large)
    ContractFactory(buyer=organisation, considerations_published=True)  # no holder at all
    ContractFactory(buyer=organisation, considerations_published=True, notified_on=dt.date(2023, 2, 1))
    holders = [definition for definition in registry.REGISTRY.values() if definition.holder is not None]
    assert len(holders) == 10
    batch = registry.compute_holder_shares(organisation, [2023, 2024], holders)
    for definition in holders:
        assert batch[definition.key] == definition.compute(organisation, [2023, 2024]), definition.key
    assert batch["contracts.region_holder_share"][2024].value == D(25)
    assert batch["contracts.sme_holder_amount_share"][2024].value == D("0.9615")  # 1,000 of 104,000


def test_contracts_without_published_considerations_count_everywhere_but_in_the_pnad(organisation):
    sme = SupplierFactory(category="pme")
    holder(ContractFactory(buyer=organisation, considerations_published=False, format_version="2019"), sme)
    holder(ContractFactory(buyer=organisation, environmental=True), SupplierFactory(category="ge"))
    assert registry.get("contracts.sme_holder_share").compute(organisation, [2024])[2024].value == D(50)
    pnad = registry.get("contracts.pnad_environmental_share").compute(organisation, [2024])[2024]
    assert pnad.value == D(100) and pnad.record_count == 1
