"""Writes of the indicators app: recompute and store computed values, save manual values."""

import contextlib
import logging
import weakref
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from spaser.indicators import registry
from spaser.indicators.enums import ScopeKind
from spaser.indicators.models import IndicatorValue, ManualValue

logger = logging.getLogger(__name__)


def years_to_compute(organisation) -> list[int]:
    """The SPASER years (and baseline years) of the organisation, the years of its contracts and this year."""
    from spaser.contracts.models import Contract
    from spaser.referentiel.models import Indicator, Spaser

    years = {timezone.localdate().year}
    for start, end in Spaser.objects.filter(organisation=organisation).values_list("period_start", "period_end"):
        years.update(range(start, end + 1))
    years.update(
        Indicator.objects.filter(spaser__organisation=organisation, baseline_year__isnull=False).values_list(
            "baseline_year", flat=True
        )
    )
    years.update(
        Contract.objects.filter(buyer=organisation, notified_on__isnull=False)
        .annotate(period=ExtractYear("notified_on"))
        .values_list("period", flat=True)
        .distinct()
        .order_by()
    )
    return sorted(year for year in years if 1990 <= year <= 2100)


SCOPE_KINDS = [ScopeKind.DIRECTION, ScopeKind.FAMILY, ScopeKind.DEPARTEMENT, ScopeKind.BUYER_KIND]


def spaser_periods(organisation) -> list[tuple[int, int]]:
    """The multi-year periods of the organisation's SPASERs: the whole period (2023-2027) and the period up to
    the interim review, in its middle year (2023-2025)."""
    from spaser.referentiel.models import Spaser

    periods = set()
    for start, end in Spaser.objects.filter(organisation=organisation).values_list("period_start", "period_end"):
        periods.update(spaser_span_periods(start, end))
    return sorted(periods)


def spaser_span_periods(start: int, end: int) -> list[tuple[int, int]]:
    """The multi-year periods of one SPASER running from ``start`` to ``end``: up to its interim review (its
    middle year) and the whole period."""
    if end <= start:
        return []
    interim = start + (end - start) // 2
    return [(start, interim), (start, end)] if interim > start else [(start, end)]


def _compute(organisation, years, definitions):
    """{key: {group: Result}} for ``definitions`` under the current grouping (the batched scans first)."""
    computed = {}
    shares = [definition for definition in definitions if definition.share is not None]
    if shares:
        computed.update(registry.compute_contract_shares(organisation, years, shares))
    holders = [definition for definition in definitions if definition.holder is not None]
    if holders:
        computed.update(registry.compute_holder_shares(organisation, years, holders))
    for definition in definitions:
        if definition.key not in computed:
            computed[definition.key] = definition.compute(organisation, years)
    return computed


def _combine(definition, results) -> registry.Result | None:
    """The value over a period from the yearly results of one scope value (additive definitions only)."""
    results = [result for result in results if result.record_count]
    if not results:
        return None
    count = sum(result.record_count for result in results)
    numerators = [result.numerator for result in results]
    denominators = [result.denominator for result in results]
    if None not in numerators and None not in denominators:
        numerator, denominator = sum(numerators), sum(denominators)
        return registry.Result(registry._share(numerator, denominator), numerator, denominator, count)
    if None not in denominators:  # an average over the records: weighted by their number
        denominator = sum(denominators)
        total = sum(result.value * result.denominator for result in results)
        return registry.Result((total / denominator).quantize(Decimal("0.0001")), None, denominator, count)
    numerator = sum(numerators)  # a count or a sum
    return registry.Result(numerator, numerator, None, count)


def _scope_and_year(scope_kind, group):
    if scope_kind == ScopeKind.ORGANISATION:
        return "", group
    scope_value, year = group
    return str(scope_value), year


def indicator_values_compute(*, organisation, years=None, keys=None, scopes=True) -> int:
    """Recomputes the registry indicators of ``organisation`` for ``years`` and replaces the stored values.

    For the organisation, then (``scopes``) for each direction, family, département of execution and buyer
    category of the territory where the indicator makes sense (one grouped scan per kind of scope), and for
    each SPASER period all of whose years are recomputed: derived from the yearly numerators and denominators
    when the indicator adds up over years, recomputed over the period otherwise (distinct holders).
    Returns the number of values stored.
    """
    years = sorted(set(years or years_to_compute(organisation)))
    definitions = [registry.REGISTRY[key] for key in (keys or registry.REGISTRY)]
    now = timezone.now()
    rows = []
    periods = [
        (first, last) for first, last in spaser_periods(organisation) if set(range(first, last + 1)) <= set(years)
    ]

    def store(definition, scope_kind, results, span=1):
        for group, result in results.items():
            if result is None or (result.record_count == 0 and result.value is None):
                continue
            scope_value, year = _scope_and_year(scope_kind, group)
            rows.append(
                IndicatorValue(
                    organisation=organisation,
                    key=definition.key,
                    scope_kind=scope_kind,
                    scope_value=scope_value,
                    year=year,
                    span=span,
                    value=result.value if result.record_count else None,
                    numerator=result.numerator,
                    denominator=result.denominator,
                    record_count=result.record_count,
                    computed_at=now,
                )
            )

    scope_kinds = [ScopeKind.ORGANISATION, *(SCOPE_KINDS if scopes else [])]
    # One scan of the holders for every kind of scope (only worth it when there are several kinds).
    shared = registry.shared_holder_scan(organisation, years, definitions) if scopes else contextlib.nullcontext()
    with shared, registry.link_memo():
        for scope_kind in scope_kinds:
            selected = [d for d in definitions if scope_kind == ScopeKind.ORGANISATION or scope_kind in d.scopes]
            if not selected:
                continue
            with registry.grouping(scope_kind=scope_kind):
                computed = _compute(organisation, years, selected)
            for definition in selected:
                store(definition, scope_kind, computed[definition.key])
            for first, last in periods:
                span = last - first + 1
                for definition in selected:
                    if definition.stock:
                        continue
                    if definition.additive:
                        by_group = {}
                        for group, result in computed[definition.key].items():
                            scope_value, year = _scope_and_year(scope_kind, group)
                            if first <= year <= last:
                                by_group.setdefault(scope_value, []).append(result)
                        results = {
                            (scope_value, first) if scope_kind != ScopeKind.ORGANISATION else first: _combine(
                                definition, values
                            )
                            for scope_value, values in by_group.items()
                        }
                    else:
                        with registry.grouping(scope_kind=scope_kind, span=(first, last)):
                            results = definition.compute(organisation, list(range(first, last + 1)))
                    store(definition, scope_kind, results, span=span)
    keys_done = [definition.key for definition in definitions]
    with transaction.atomic():
        done = IndicatorValue.objects.filter(organisation=organisation, key__in=keys_done, scope_kind__in=scope_kinds)
        done.filter(span=1, year__in=years).delete()
        for first, last in periods:
            done.filter(year=first, span=last - first + 1).delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=500)
    logger.info("Indicateurs de %s recalculés : %s valeurs (%s années)", organisation, len(rows), len(years))
    return len(rows)


def organisations_to_compute():
    """Organisations with a SPASER or with contracts as buyer."""
    from spaser.accounts.models import Organisation
    from spaser.contracts.models import Contract
    from spaser.referentiel.models import Spaser

    return Organisation.objects.filter(
        Q(pk__in=Spaser.objects.values("organisation")) | Q(pk__in=Contract.objects.values("buyer"))
    ).order_by("pk")


def indicator_values_compute_all(*, organisations=None, years=None, keys=None) -> int:
    total = 0
    for organisation in organisations if organisations is not None else organisations_to_compute():
        total += indicator_values_compute(organisation=organisation, years=years, keys=keys)
    return total


class _RecomputeRequest:
    """The recompute requests of one transaction, merged: called once by ``transaction.on_commit``, it queues a
    single ``recompute_indicators`` for the union of the organisations and of the keys (None: all of them)."""

    def __init__(self):
        self.organisation_ids: set | None = set()
        self.keys: dict | None = {}  # ordered
        self.queued = False

    def add(self, organisation_ids, keys) -> None:
        if organisation_ids is None:
            self.organisation_ids = None
        elif self.organisation_ids is not None:
            self.organisation_ids.update(organisation_ids)
        if keys is None:
            self.keys = None
        elif self.keys is not None:
            self.keys.update(dict.fromkeys(keys))

    def __call__(self):
        from spaser.indicators.tasks import recompute_indicators

        self.queued = True
        ids = sorted(self.organisation_ids) if self.organisation_ids is not None else None
        recompute_indicators(ids, list(self.keys) if self.keys is not None else None)


# The request waiting for the commit of each connection's transaction (connections are per thread).
_PENDING: "weakref.WeakKeyDictionary[object, _RecomputeRequest]" = weakref.WeakKeyDictionary()


def _pending_request(connection) -> _RecomputeRequest | None:
    """The request already registered with ``on_commit`` in the current transaction and still to run: not run
    yet (a test runs the callbacks without a commit) and not dropped by the rollback of the transaction or of the
    savepoint it was registered in (Django then removes it from ``run_on_commit``)."""
    pending = _PENDING.get(connection)
    if pending is None or pending.queued or not connection.in_atomic_block:
        return None
    if not any(callback is pending for _, callback, _ in connection.run_on_commit):
        return None
    return pending


def indicator_values_request(*, organisation_ids=None, keys=None) -> None:
    """For other apps, after an import or a validation: recompute in the worker once the transaction commits.

    ``organisation_ids`` None recomputes every organisation with a SPASER or contracts; ``keys`` None every
    indicator of the registry. The requests of one transaction are merged into one recompute (confirming or
    deleting the links of several lots asks once per link): the first registers the merged request with
    ``on_commit``, the next ones add to it. A request made inside a savepoint that is rolled back may still be
    recomputed when the request it joined commits (a recompute too many, never one missing); when the savepoint
    held the registration itself, the next request starts a new one.
    """
    connection = transaction.get_connection()
    pending = _pending_request(connection)
    if pending is None:
        pending = _RecomputeRequest()
        pending.add(organisation_ids, keys)
        if connection.in_atomic_block:
            _PENDING[connection] = pending
        transaction.on_commit(pending)  # outside a transaction: now
        return
    pending.add(organisation_ids, keys)


# The indicators that read the contract ↔ form link (strategies.ProjectContract).
LINK_KEYS = ["strategies.validated_form_coverage", "strategies.consideration_agreement_share"]


def project_contract_changed(*, project_contract) -> None:
    """A contract was linked to (or unlinked from) a purchase form: recompute the link indicators of the buyer
    and of the form's organisation after the commit. Connected to ProjectContract's post_save and post_delete
    (see apps.py); the strategies side may also call it directly."""
    from spaser.contracts.models import Contract
    from spaser.strategies.models import PurchaseProject

    # By id: when a project is deleted, its links are deleted with it and it cannot be read any more.
    ids = set(PurchaseProject.objects.filter(pk=project_contract.project_id).values_list("organisation_id", flat=True))
    ids.update(Contract.objects.filter(pk=project_contract.contract_id).values_list("buyer_id", flat=True))
    ids.discard(None)
    if ids:
        indicator_values_request(organisation_ids=sorted(ids), keys=LINK_KEYS)


def project_contracts_linked(*, project_id) -> None:
    """Published contracts were confirmed for a form in one go: recompute the link indicators of the form's
    organisation and of the buyers of its contracts after the commit.

    ``strategies.services.project_contract_confirm`` creates the links with ``bulk_create``, which sends no
    ``post_save``: the line "Marché publié rattaché" it writes in the form's log stands for them (see apps.py)."""
    from spaser.contracts.models import Contract
    from spaser.strategies.models import PurchaseProject

    ids = set(PurchaseProject.objects.filter(pk=project_id).values_list("organisation_id", flat=True))
    ids.update(Contract.objects.filter(project_links__project_id=project_id).values_list("buyer_id", flat=True))
    ids.discard(None)
    if ids:
        indicator_values_request(organisation_ids=sorted(ids), keys=LINK_KEYS)


def manual_value_save(*, indicator, year: int, value: Decimal, comment: str = "", proof_file=None, proof_link="", by):
    """Creates or replaces the value of a manual indicator for a year (the history keeps the former ones)."""
    manual = ManualValue.objects.filter(indicator=indicator, year=year).first() or ManualValue(
        indicator=indicator, year=year
    )
    manual.value = value
    manual.comment = comment
    manual.proof_link = proof_link or ""
    if proof_file:
        manual.proof_file = proof_file
    elif proof_link:
        manual.proof_file = ""
    manual.entered_by = by
    manual.full_clean()
    manual.save()
    return manual


DEMO_MANUAL_VALUES = [
    # (indicator code, year, value, comment)
    ("A-I-1", 2023, Decimal(4), "Sessions d'information des organismes de formation (démonstration)."),
    ("A-I-1", 2024, Decimal(7), "Sessions d'information des organismes de formation (démonstration)."),
    ("T-FOR-1", 2023, Decimal(85), "Agents formés, feuilles d'émargement (démonstration)."),
    ("T-FOR-1", 2024, Decimal(140), "Agents formés, feuilles d'émargement (démonstration)."),
    ("A-V-2", 2024, Decimal(12500), "Bilan du facilitateur de clauses sociales (démonstration)."),
]


def demo_manual_values_ensure(*, organisation) -> int:
    """A few manual values (marked as demonstration in their comment), only where none was entered."""
    from spaser.referentiel.models import Indicator

    created = 0
    indicators = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(
            spaser__organisation=organisation, code__in=[row[0] for row in DEMO_MANUAL_VALUES]
        )
    }
    for code, year, value, comment in DEMO_MANUAL_VALUES:
        indicator = indicators.get(code)
        if indicator is None or not (indicator.spaser.period_start <= year <= indicator.spaser.period_end):
            continue
        if ManualValue.objects.filter(indicator=indicator, year=year).exists():
            continue
        manual_value_save(
            indicator=indicator,
            year=year,
            value=value,
            comment=comment,
            proof_link="https://www.centre-valdeloire.fr/",
            by=None,
        )
        created += 1
    return created


def bootstrap_values(*, demo: bool):
    """Computes the stored values of the home organisation now (after the contracts are imported) and asks the
    worker for the other buyers found in the contract data (hundreds of them in the embedded files)."""
    from django.conf import settings

    from spaser.accounts.models import Organisation

    home = Organisation.objects.filter(siret=settings.SPASER_ORGANISATION_SIRET).first()
    lines = []
    if home is not None:
        stored = indicator_values_compute(organisation=home)
        lines.append(f"{home.name} : {stored} valeurs d'indicateurs calculées")
    others = list(organisations_to_compute().exclude(pk=home.pk if home else None).values_list("pk", flat=True))
    if others:
        from spaser.indicators.tasks import recompute_indicators

        recompute_indicators(others)
        lines.append(f"{len(others)} autres acheteurs : calcul confié au worker")
    if demo and home is not None:
        lines.append(f"{demo_manual_values_ensure(organisation=home)} valeurs saisies de démonstration ajoutées")
    return lines
