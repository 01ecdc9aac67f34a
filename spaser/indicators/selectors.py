"""Reads of the dashboard: the SPASER tree with each indicator's series, trajectory and status.

A handful of queries whatever the size of the SPASER: the tree, the targets, the stored values and the manual
values are each read once, then assembled in Python (a SPASER has tens of indicators, not thousands).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from spaser.indicators import registry
from spaser.indicators.enums import ScopeKind, Status
from spaser.indicators.models import IndicatorValue, ManualValue
from spaser.indicators.trajectories import (
    Point,
    current_target,
    expected_value,
    indicator_status,
    mean_expected,
    period_status,
    progress,
    roll_up,
    trajectory_points,
)
from spaser.referentiel.enums import ImprovementDirection, IndicatorMode
from spaser.referentiel.models import Axis, Chantier, Indicator, Spaser, Theme


@dataclass
class Measure:
    year: int
    value: Decimal | None
    source: object  # IndicatorValue or ManualValue

    @property
    def is_manual(self) -> bool:
        return isinstance(self.source, ManualValue)


def no_values_next_step(indicator, definition=None) -> str:
    """What brings the first value of an indicator that has none: who enters it, or what its computation reads
    and when it runs. Shown instead of an empty chart (dashboard, observatory, report)."""
    if indicator.mode == IndicatorMode.MANUAL:
        return (
            "Sa valeur est saisie chaque année par un pilote de chantier ou un administrateur "
            "(« Saisir une valeur » sur la page de l'indicateur), avec son justificatif."
        )
    if definition is None:
        return (
            f"Sa clé de calcul « {indicator.computation_key} » n'est pas encore implémentée : aucune valeur ne "
            "peut être calculée. Un administrateur peut le passer en saisie manuelle dans le référentiel."
        )
    return (
        f"Sa valeur est calculée à partir des données suivantes : {definition.reads.rstrip('.')}. Aucune n'a encore "
        "été comptée : le calcul se refait de lui-même dans les cinq minutes qui suivent un import de marchés "
        "(DECP) ou la validation d'une fiche, et un administrateur technique peut le lancer "
        "(commande compute_indicators)."
    )


@dataclass
class IndicatorState:
    indicator: Indicator
    year: int
    series: dict  # year -> Measure
    targets: list
    points: list
    definition: object = None
    # A multi-year SPASER period selected instead of a year (``year`` is then its last year), and the value
    # stored for the whole period when the indicator has one.
    period: object = None
    period_measure: Measure | None = None

    @property
    def has_values(self) -> bool:
        """Whether any year has a measured value: without one, pages show an empty state, not an empty chart."""
        return any(measure.value is not None for measure in self.series.values())

    @property
    def no_values_next_step(self) -> str:
        return no_values_next_step(self.indicator, self.definition)

    @property
    def decreasing(self) -> bool:
        return self.indicator.direction == ImprovementDirection.DECREASE

    @property
    def uses_period_value(self) -> bool:
        """Whether the status reads a value counted over the selected period (a computed, non-stock indicator)."""
        return (
            self.period is not None
            and self.period.span > 1
            and self.indicator.mode == IndicatorMode.COMPUTED
            and self.definition is not None
            and not self.definition.stock
        )

    @property
    def measure(self) -> Measure | None:
        if self.uses_period_value:
            return self.period_measure
        return self.series.get(self.year)

    @property
    def value(self):
        return self.measure.value if self.measure else None

    @property
    def expected(self):
        if self.uses_period_value:
            return mean_expected(self.points, self.period.year, self.period.last_year)
        return expected_value(self.points, self.year)

    @property
    def record_count(self):
        """How many records the measure counted (computed values only), for the drill-down link."""
        return getattr(self.measure.source, "record_count", None) if self.measure else None

    @property
    def drill_period(self):
        """The multi-year period the drill-down lists, when the measure is a period value."""
        return self.period if self.uses_period_value else None

    @property
    def drill_year(self) -> int:
        return self.period.year if self.uses_period_value else self.year

    @property
    def target(self):
        return current_target(self.targets, self.year)

    def status_for(self, year):
        measure = self.series.get(year)
        return indicator_status(
            value=measure.value if measure else None,
            year=year,
            targets=self.targets,
            points=self.points,
            decreasing=self.decreasing,
        )

    @property
    def status(self):
        if self.uses_period_value:
            return period_status(
                value=self.value,
                first_year=self.period.year,
                last_year=self.period.last_year,
                targets=self.targets,
                points=self.points,
                decreasing=self.decreasing,
            )
        return self.status_for(self.year)

    def rows(self, years):
        """One row per year: measure, expected value, current target and status."""
        result = []
        for year in years:
            measure = self.series.get(year)
            expected = expected_value(self.points, year)
            target = current_target(self.targets, year)
            result.append(
                {
                    "year": year,
                    "measure": measure,
                    "value": measure.value if measure else None,
                    "expected": expected,
                    "target": target,
                    "status": self.status_for(year),
                }
            )
        return result


@dataclass
class Node:
    """A chantier, a thématique or an axe with its rolled-up status."""

    obj: object
    children: list = field(default_factory=list)
    states: list = field(default_factory=list)  # for a chantier: its IndicatorState list

    @property
    def statuses(self):
        if self.states or not self.children:
            return [state.status for state in self.states]
        return [child.status for child in self.children]

    @property
    def status(self):
        return roll_up(self.statuses)

    @property
    def progress(self):
        return progress(self.statuses)


def current_spaser(organisation):
    """The organisation's SPASER in force: adopted first, then the most recent."""
    from spaser.referentiel.enums import SpaserStatus

    spasers = list(Spaser.objects.of_organisation(organisation).order_by("-period_start", "pk"))
    adopted = [spaser for spaser in spasers if spaser.status == SpaserStatus.ADOPTED]
    return (adopted or spasers or [None])[0]


def spaser_years(spaser) -> list[int]:
    return list(range(spaser.period_start, spaser.period_end + 1))


def default_year(spaser) -> int:
    """The latest SPASER year already past or current that has a stored value, else this year within the SPASER."""
    this_year = timezone.localdate().year
    latest = (
        IndicatorValue.objects.of_organisation(spaser.organisation)
        .organisation_wide()
        .filter(year__gte=spaser.period_start, year__lte=min(spaser.period_end, this_year), record_count__gt=0)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if latest is not None:
        return latest
    return min(max(this_year, spaser.period_start), spaser.period_end)


def _series(indicators, organisation, scope_kind=ScopeKind.ORGANISATION, scope_value="", period=None):
    """Measures per indicator pk and year: stored values for computed indicators, manual values otherwise;
    and the stored values of a multi-year ``period`` by computation key (read in the same query).

    For a scope other than the organisation, the scope's stored values (manual values have no scope)."""
    keys = {indicator.computation_key for indicator in indicators if indicator.mode == IndicatorMode.COMPUTED}
    stored = {}
    by_period = {}
    if keys:
        values = IndicatorValue.objects.of_organisation(organisation).filter(
            scope_kind=scope_kind, scope_value=scope_value, key__in=keys
        )
        if period is not None and period.span > 1:
            values = values.filter(Q(span=1) | Q(span=period.span, year=period.year))
        else:
            values = values.filter(span=1)
        for value in values:
            if value.span == 1:
                stored.setdefault(value.key, {})[value.year] = value
            else:
                by_period[value.key] = Measure(value.year, value.value, value)
    manual = {}
    manual_indicators = [indicator.pk for indicator in indicators if indicator.mode != IndicatorMode.COMPUTED]
    if scope_kind == ScopeKind.ORGANISATION and manual_indicators:
        for value in ManualValue.objects.filter(indicator__in=manual_indicators):
            manual.setdefault(value.indicator_id, {})[value.year] = value
    series = {}
    for indicator in indicators:
        if indicator.mode == IndicatorMode.COMPUTED:
            values = stored.get(indicator.computation_key, {})
        else:
            values = manual.get(indicator.pk, {})
        series[indicator.pk] = {year: Measure(year, value.value, value) for year, value in values.items()}
    return series, by_period


def indicator_states(
    indicators, organisation, year, *, scope_kind=ScopeKind.ORGANISATION, scope_value="", period=None
) -> list[IndicatorState]:
    """The states of ``indicators`` (with their targets prefetched) for ``year``, organisation-wide by default
    (the signature the observatory calls) or for one scope's stored values.

    With a multi-year ``period`` (a :class:`Period`), ``year`` is ignored: the states are for the period's last
    year, and computed indicators are judged on their value over the whole period (``PERIOD_RULE``)."""
    if period is not None and period.span > 1:
        year = period.last_year
    else:
        period = None
    series, by_period = _series(indicators, organisation, scope_kind, scope_value, period)
    states = []
    for indicator in indicators:
        measures = series[indicator.pk]
        targets = [Point(target.year, target.value) for target in indicator.targets.all()]
        baseline = (
            Point(indicator.baseline_year, indicator.baseline_value) if indicator.baseline_year is not None else None
        )
        known = sorted((m for m in measures.values() if m.value is not None), key=lambda m: m.year)
        first = Point(known[0].year, known[0].value) if known else None
        states.append(
            IndicatorState(
                indicator=indicator,
                year=year,
                series=measures,
                targets=targets,
                points=trajectory_points(baseline=baseline, targets=targets, first_measure=first),
                definition=registry.get(indicator.computation_key) if indicator.computation_key else None,
                period=period,
                period_measure=by_period.get(indicator.computation_key) if period is not None else None,
            )
        )
    return states


def spaser_tree(spaser, year, period=None):
    """Axes (then transversal thématiques) → thématiques → chantiers → indicator states, with roll-ups, for a
    year or a multi-year SPASER period."""
    axes = list(Axis.objects.filter(spaser=spaser))
    themes = list(Theme.objects.filter(spaser=spaser))
    chantiers = list(Chantier.objects.filter(spaser=spaser))
    indicators = list(Indicator.objects.filter(spaser=spaser).prefetch_related("targets"))
    states = indicator_states(indicators, spaser.organisation, year, period=period)
    by_chantier = {}
    for state in states:
        by_chantier.setdefault(state.indicator.chantier_id, []).append(state)
    chantier_nodes = {}
    for chantier in chantiers:
        chantier_nodes.setdefault(chantier.theme_id, []).append(
            Node(chantier, states=by_chantier.get(chantier.pk, []))
        )
    theme_nodes = {}
    transversal = []
    for theme in themes:
        node = Node(theme, children=chantier_nodes.get(theme.pk, []))
        if theme.axis_id is None:
            transversal.append(node)
        else:
            theme_nodes.setdefault(theme.axis_id, []).append(node)
    axis_nodes = [Node(axis, children=theme_nodes.get(axis.pk, [])) for axis in axes]
    return axis_nodes, transversal, states


def missing_manual_values(organisation):
    """(indicator, year) pairs of the current SPASER's manual indicators without a value for last year."""
    spaser = current_spaser(organisation)
    if spaser is None:
        return []
    year = timezone.localdate().year - 1
    if not spaser.period_start <= year <= spaser.period_end:
        return []
    indicators = Indicator.objects.filter(spaser=spaser, mode=IndicatorMode.MANUAL).exclude(manual_values__year=year)
    return [(indicator, year) for indicator in indicators.select_related("chantier")]


STATUS_CSS = {
    Status.REACHED: "success",
    Status.ON_TRACK: "info",
    Status.LATE: "danger",
    Status.NO_DATA: "secondary",
}


def scope_label(kind):
    return ScopeKind(kind).label


def stale_organisation_ids() -> list[int]:
    """Organisations whose source data changed after their last computation.

    A change is a successful DECP import that created or updated one of their contracts, or one of their
    purchase forms reaching « validée ». Read by the worker's periodic recompute, so that the imports and
    strategies apps need not know about indicators (dependencies flow one way).
    """
    from django.db.models import Max

    from spaser.contracts.models import Contract
    from spaser.imports.enums import ImportStatus
    from spaser.imports.models import ImportRun
    from spaser.strategies.enums import ProjectState
    from spaser.strategies.models import ProjectContract, ProjectTransitionLog

    last_computed = dict(
        IndicatorValue.objects.values_list("organisation_id").annotate(last=Max("computed_at")).order_by()
    )
    horizon = min(last_computed.values(), default=None)
    runs = ImportRun.objects.filter(status=ImportStatus.SUCCEEDED, finished_at__isnull=False)
    validations = ProjectTransitionLog.objects.filter(to_state=ProjectState.VALIDATED)
    if horizon is not None:
        runs = runs.filter(finished_at__gt=horizon)
        validations = validations.filter(timestamp__gt=horizon)
    changed = {}
    for organisation_id, when in (
        Contract.objects.filter(import_run__in=runs)
        .values_list("buyer_id")
        .annotate(last=Max("import_run__finished_at"))
        .order_by()
    ):
        changed[organisation_id] = when
    for organisation_id, when in (
        validations.values_list("project__organisation_id").annotate(last=Max("timestamp")).order_by()
    ):
        changed[organisation_id] = max(when, changed.get(organisation_id, when))
    # Contracts linked to (or relinked between) purchase forms: the coverage and data-quality indicators.
    links = ProjectContract.objects.all()
    if horizon is not None:
        links = links.filter(updated_at__gt=horizon)
    for path in ("contract__buyer_id", "project__organisation_id"):
        for organisation_id, when in links.values_list(path).annotate(last=Max("updated_at")).order_by():
            if organisation_id is not None:
                changed[organisation_id] = max(when, changed.get(organisation_id, when))
    return sorted(
        organisation_id
        for organisation_id, when in changed.items()
        if organisation_id not in last_computed or when > last_computed[organisation_id]
    )


# --- Scopes and SPASER periods of one computed indicator ----------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar year (span 1) or a multi-year SPASER period starting in ``year``."""

    year: int
    span: int = 1

    @property
    def last_year(self) -> int:
        return self.year + self.span - 1

    @property
    def param(self) -> str:
        return str(self.year) if self.span == 1 else f"{self.year}-{self.last_year}"

    @property
    def label(self) -> str:
        return str(self.year) if self.span == 1 else f"{self.year} à {self.last_year}"


def spaser_periods_of(spaser) -> list[Period]:
    """The SPASER's multi-year periods: up to the interim review (its middle year) and the whole period."""
    from spaser.indicators.services import spaser_span_periods

    # The same periods the recompute stores for this SPASER, derived from its span (no query).
    return [
        Period(first, last - first + 1) for first, last in spaser_span_periods(spaser.period_start, spaser.period_end)
    ]


def period_option_label(period: Period, spaser) -> str:
    """How the year selector names a SPASER period: "2023-2025 (bilan à mi-parcours)", "2023-2027 (toute la
    période)"."""
    if period.span == 1:
        return period.param
    kind = "toute la période" if period.last_year >= spaser.period_end else "bilan à mi-parcours"
    return f"{period.param} ({kind})"


def parse_period(value: str, periods) -> Period | None:
    """The multi-year period named ``value`` ("2023-2027") among ``periods``, else None."""
    return next((period for period in periods if period.param == value), None)


def scope_label_map(organisation, scope_kind, values) -> dict:
    """Readable names of scope values: direction and family names, département names, buyer categories."""
    values = [value for value in values if value]
    if not values:
        return {}
    if scope_kind == ScopeKind.DIRECTION:
        from spaser.accounts.models import Direction

        rows = Direction.objects.filter(organisation=organisation, code__in=values).values_list("code", "name")
        return {code: f"{code} – {name}" for code, name in rows}
    if scope_kind == ScopeKind.FAMILY:
        from spaser.referentiel.models import Family

        return dict(Family.objects.filter(code__in=values).values_list("code", "label"))
    if scope_kind == ScopeKind.DEPARTEMENT:
        from spaser.geo.models import Departement

        rows = Departement.objects.filter(code__in=values).values_list("code", "name")
        return {code: f"{name} ({code})" for code, name in rows}
    if scope_kind == ScopeKind.BUYER_KIND:
        from spaser.accounts.enums import OrganisationKind

        return dict(OrganisationKind.choices)
    return {}


def values_by_scope(organisation, key, scope_kind, period: Period) -> list[IndicatorValue]:
    """The stored values of ``key`` for every value of a kind of scope and a period, with a ``scope_label``."""
    values = list(
        IndicatorValue.objects.of_organisation(organisation)
        .filter(key=key, scope_kind=scope_kind, year=period.year, span=period.span)
        .exclude(scope_value="")
        .order_by("scope_value")
    )
    labels = scope_label_map(organisation, scope_kind, [value.scope_value for value in values])
    for value in values:
        value.scope_label = labels.get(value.scope_value, value.scope_value)
    return values


def period_values(organisation, key, periods) -> dict:
    """The organisation-wide stored values of ``key`` for each multi-year period, by period param."""
    if not periods:
        return {}
    values = IndicatorValue.objects.of_organisation(organisation).filter(
        key=key, scope_kind=ScopeKind.ORGANISATION, span__gt=1, year__in={period.year for period in periods}
    )
    return {value.period_label: value for value in values}
