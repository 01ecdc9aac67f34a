"""The registry of computed indicators.

Each indicator is a function ``f(organisation, years) -> {year: Result}`` registered under a computation key
(the ``computation_key`` of the référentiel's indicators). Its docstring is its formula in French, shown to
the reader on the indicator page. Every function runs one aggregate SQL query grouped by year (no Python
loop over rows), so a full recompute stays fast on a million contracts.

Each definition also says which records it counted (``records``): the drill-down lists the very contracts or
forms of the denominator, with a flag telling whether each one is in the numerator.

Scopes and SPASER periods: inside ``grouping(scope_kind=..., span=...)`` the same functions group their single
query by (scope value, year) instead of year — the scope value being the direction, family, place of execution
or buyer category of each record — and/or collapse the years of a multi-year period into its first year. Their
results are then keyed ``(scope_value, year)``. ``Definition.scopes`` says where a scope makes sense.
"""

import contextvars
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone

from spaser.indicators.enums import ScopeKind, Unit

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Result:
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    record_count: int


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    unit: str
    reads: str
    compute: Callable
    source: str  # "contracts", "forms", "programme", "actors", "referentiel"
    numerator_q: Callable | None = None  # organisation -> Q over the records of ``records``
    denominator: Callable | None = None  # (organisation, year) -> queryset of counted records
    stock: bool = False  # a stock measured today (not per year): computed for the current year only
    # A share of notified markets: (numerator Q builder, by amount, base Q or None). Such indicators are also
    # computed together by ``compute_contract_shares`` in a single scan of the contracts.
    share: tuple | None = None
    holder: tuple | None = None  # (holder family, by amount): computed together by ``compute_holder_shares``
    # (organisation, records) -> ids of the records in the numerator, when it is decided in Python.
    flags: Callable | None = None
    scopes: tuple = ()  # the ScopeKind values other than the organisation where the indicator makes sense
    # Over a multi-year period, can the value be derived from the yearly numerators and denominators?
    additive: bool = True

    @property
    def formula(self) -> str:
        return " ".join((self.compute.__doc__ or "").split())

    def records(self, organisation, year, *, scope_kind=ScopeKind.ORGANISATION, scope_value="", last_year=None):
        """The records of the denominator for ``year`` (to ``last_year`` for a period) and a scope, annotated
        with ``counted`` (in the numerator) unless the numerator is decided in Python (see ``mark``)."""
        if self.denominator is None:
            return None
        span = (year, last_year) if last_year and last_year > year else None
        with grouping(scope_kind=scope_kind, span=span):
            queryset = self.denominator(organisation, year)
            if scope_kind != ScopeKind.ORGANISATION:
                expression = scope_expression(queryset.model, scope_kind)
                if expression is None:
                    return queryset.none().annotate(counted=Value(False))
                queryset = queryset.annotate(ind_scope=expression).filter(ind_scope=scope_value)
        if self.flags is not None:
            return queryset.annotate(counted=Value(False))
        if self.numerator_q is None:
            return queryset.annotate(counted=Value(True))
        from django.db.models import BooleanField, Case, When

        return queryset.annotate(
            counted=Case(
                When(self.numerator_q(organisation), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def mark(self, organisation, records) -> list:
        """``records`` as a list, with ``counted`` set when the numerator is decided in Python."""
        records = list(records)
        if self.flags is not None:
            counted = self.flags(organisation, records)
            for record in records:
                record.counted = record.pk in counted
        return records


REGISTRY: dict[str, Definition] = {}


CONTRACT_SCOPES = (ScopeKind.DIRECTION, ScopeKind.FAMILY, ScopeKind.DEPARTEMENT)
FORM_SCOPES = (ScopeKind.DIRECTION, ScopeKind.FAMILY, ScopeKind.DEPARTEMENT)
DEFAULT_SCOPES = {"contracts": CONTRACT_SCOPES, "forms": FORM_SCOPES}


def _default_scopes(source, share):
    if source == "contracts" and share is not None:
        return (*CONTRACT_SCOPES, ScopeKind.BUYER_KIND)  # the territory's buyers publish the same data
    return DEFAULT_SCOPES.get(source, ())


def register(
    key,
    *,
    label,
    unit,
    reads,
    source,
    numerator_q=None,
    denominator=None,
    stock=False,
    share=None,
    holder=None,
    flags=None,
    scopes=None,
    additive=True,
):
    def decorator(function):
        REGISTRY[key] = Definition(
            share=share,
            holder=holder,
            flags=flags,
            scopes=() if stock else tuple(scopes if scopes is not None else _default_scopes(source, share)),
            additive=additive,
            key=key,
            label=label,
            unit=unit,
            reads=reads,
            compute=function,
            source=source,
            numerator_q=numerator_q,
            denominator=denominator,
            stock=stock,
        )
        return function

    return decorator


def get(key: str) -> Definition | None:
    return REGISTRY.get(key)


# --- Helpers -----------------------------------------------------------------------------------------------


def _share(part, total) -> Decimal | None:
    if not total:
        return None
    return (Decimal(part or 0) * HUNDRED / Decimal(total)).quantize(Decimal("0.0001"))


def _year_bounds(years):
    return date(min(years), 1, 1), date(max(years) + 1, 1, 1)


# --- Grouping by scope and period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    scope_kind: str = ScopeKind.ORGANISATION
    span: tuple | None = None  # (first year, last year) of a multi-year period, keyed by its first year


_GROUPING = contextvars.ContextVar("indicator_grouping", default=Grouping())  # noqa: B039 (frozen)


@contextmanager
def grouping(*, scope_kind=ScopeKind.ORGANISATION, span=None):
    """Inside this block, the registry functions group by scope value and/or collapse the period's years."""
    token = _GROUPING.set(Grouping(scope_kind, tuple(span) if span else None))
    try:
        yield
    finally:
        _GROUPING.reset(token)


def scope_expression(model, scope_kind, prefix=""):
    """The scope value of each record of ``model`` (None: the scope does not apply to this model).

    Contracts: the direction of the form they are linked to, their purchase family, the département of their
    place of execution, the category of their buyer (territory). Forms: their direction, their family and
    the département of their place of execution."""
    label = model._meta.label
    paths = {
        "contracts.Contract": {
            ScopeKind.DIRECTION: "project_links__project__direction__code",
            ScopeKind.FAMILY: "family__code",
            ScopeKind.DEPARTEMENT: "place_departement__code",
            ScopeKind.BUYER_KIND: "buyer__kind",
        },
        "strategies.PurchaseProject": {
            ScopeKind.DIRECTION: "direction__code",
            ScopeKind.FAMILY: "family__code",
            ScopeKind.DEPARTEMENT: "execution_commune__departement__code",
        },
    }
    path = paths.get(label, {}).get(scope_kind)
    return F(prefix + path) if path else None


def _period_expression(date_field):
    span = _GROUPING.get().span
    if span is None:
        return ExtractYear(date_field)
    # Every year of the period groups under its first year (an expression of the column, so that an empty
    # selection gives no group at all).
    return Cast(ExtractYear(date_field) * 0 + Value(span[0]), output_field=IntegerField())


def _group_annotations(model, date_field, prefix=""):
    """(annotations, scoped) for the current grouping, or (None, True) when its scope does not apply."""
    annotations = {"ind_period": _period_expression(date_field)}
    kind = _GROUPING.get().scope_kind
    if kind == ScopeKind.ORGANISATION:
        return annotations, False
    expression = scope_expression(model, kind, prefix)
    if expression is None:
        return None, True
    annotations["ind_scope"] = expression
    return annotations, True


def _group_key(row, scoped):
    return (row["ind_scope"], row["ind_period"]) if scoped else row["ind_period"]


def _by_year(queryset, date_field, years, **aggregates):
    """Aggregates grouped by year (or by the current grouping: ``(scope value, year)`` keys)."""
    annotations, scoped = _group_annotations(queryset.model, date_field)
    if annotations is None:
        return {}
    queryset = queryset.annotate(**annotations)
    if scoped:
        queryset = queryset.exclude(ind_scope=None)
    rows = queryset.values(*annotations).annotate(**aggregates).order_by()
    return {_group_key(row, scoped): row for row in rows if row["ind_period"] in years}


def _group_rows(queryset, date_field, years):
    """(group key, record) pairs of ``queryset`` under the current grouping."""
    annotations, scoped = _group_annotations(queryset.model, date_field)
    if annotations is None:
        return
    queryset = queryset.annotate(**annotations)
    if scoped:
        queryset = queryset.exclude(ind_scope=None)
    for record in queryset.order_by():
        if record.ind_period in years:
            yield (record.ind_scope, record.ind_period) if scoped else record.ind_period, record


def notified_markets(organisation, years):
    """Markets (not concessions) of the buyer notified in ``years`` (the PNAD shares add ``PUBLISHED``).

    Grouped by buyer category, the markets of every buyer of the organisation's territory: executed in its
    region or bought by a buyer located there (as the observatory's territory page counts them)."""
    from spaser.contracts.enums import ContractKind
    from spaser.contracts.models import Contract

    start, end = _year_bounds(years)
    markets = Contract.objects.filter(kind=ContractKind.MARKET, notified_on__gte=start, notified_on__lt=end)
    if _GROUPING.get().scope_kind == ScopeKind.BUYER_KIND:
        region = organisation.region_code or "—"
        return markets.filter(Q(place_region__code=region) | Q(buyer__region_code=region))
    return markets.filter(buyer=organisation)


def _years_of(year):
    """The years behind a value keyed ``year``: the year itself, or the whole period when grouping by period."""
    span = _GROUPING.get().span
    if span is not None and span[0] == year:
        return list(range(span[0], span[1] + 1))
    return [year]


def _markets_of_year(organisation, year):
    return notified_markets(organisation, _years_of(year))


def _contract_share(organisation, years, numerator: Q, *, by_amount=False, base: Q | None = None):
    queryset = notified_markets(organisation, years)
    if base is not None:
        queryset = queryset.filter(base)
    if by_amount:
        queryset = queryset.filter(initial_amount__isnull=False)
        rows = _by_year(
            queryset,
            "notified_on",
            years,
            total=Sum("initial_amount"),
            part=Coalesce(Sum("initial_amount", filter=numerator), Value(Decimal(0)), output_field=DecimalField()),
            n=Count("pk"),
        )
    else:
        rows = _by_year(
            queryset, "notified_on", years, total=Count("pk"), part=Count("pk", filter=numerator), n=Count("pk")
        )
    return {
        year: Result(_share(row["part"], row["total"]), Decimal(row["part"] or 0), Decimal(row["total"]), row["n"])
        for year, row in rows.items()
    }


def compute_contract_shares(organisation, years, definitions) -> dict[str, dict[int, Result]]:
    """The same results as each definition's own function, for many share definitions in one scan.

    Each share becomes filtered COUNT/SUM aggregates of a single query grouped by year.
    """
    aggregates = {}
    for index, definition in enumerate(definitions):
        numerator_of, by_amount, base = definition.share
        numerator = numerator_of(organisation)
        if by_amount:
            has = Q(initial_amount__isnull=False) if base is None else base & Q(initial_amount__isnull=False)
            aggregates[f"t{index}"] = Sum("initial_amount", filter=has)
            aggregates[f"p{index}"] = Sum("initial_amount", filter=has & numerator)
            aggregates[f"n{index}"] = Count("pk", filter=has)
        else:
            aggregates[f"n{index}"] = Count("pk") if base is None else Count("pk", filter=base)
            aggregates[f"p{index}"] = Count("pk", filter=numerator if base is None else base & numerator)
    rows = _by_year(notified_markets(organisation, years), "notified_on", years, **aggregates)
    results = {}
    for index, definition in enumerate(definitions):
        by_amount = definition.share[1]
        per_year = {}
        for year, row in rows.items():
            count = row[f"n{index}"]
            if not count:
                continue
            total = row[f"t{index}"] if by_amount else count
            part = row[f"p{index}"] or 0
            per_year[year] = Result(_share(part, total), Decimal(part), Decimal(total or 0), count)
        results[definition.key] = per_year
    return results


def _contracts_drill(base: Q | None = None, *, with_amount=False):
    def denominator(organisation, year):
        queryset = _markets_of_year(organisation, year)
        if base is not None:
            queryset = queryset.filter(base)
        if with_amount:
            queryset = queryset.filter(initial_amount__isnull=False)
        return queryset

    return denominator


# --- Contract considerations (PNAD) ---------------------------------------------------------------------------

# The 2019 format has no considerations: the PNAD shares count only contracts that publish them.
PUBLISHED = Q(considerations_published=True)
ENVIRONMENTAL = Q(environmental_clause=True) | Q(environmental_criterion=True)
SOCIAL = Q(social_clause=True) | Q(social_criterion=True) | Q(social_reserved=True)
KIND_FILTERS = {
    "environmental_clause": Q(environmental_clause=True),
    "environmental_criterion": Q(environmental_criterion=True),
    "social_clause": Q(social_clause=True),
    "social_criterion": Q(social_criterion=True),
    "social_reserved": Q(social_reserved=True),
}
PNAD_READS = (
    "Contrats (DECP) : marchés notifiés dans l'année dont les considérations sont publiées "
    "(considerationsEnvironnementales, considerationsSociales), montant initial HT."
)


def _const(q):
    return lambda organisation: q


@register(
    "contracts.pnad_environmental_share",
    label="Part des marchés avec au moins une considération environnementale (en nombre)",
    unit=Unit.PERCENT,
    reads=PNAD_READS,
    source="contracts",
    numerator_q=_const(ENVIRONMENTAL),
    denominator=_contracts_drill(PUBLISHED),
    share=(_const(ENVIRONMENTAL), False, PUBLISHED),
)
def pnad_environmental_share(organisation, years):
    """Nombre de marchés notifiés dans l'année dont les données essentielles comportent une clause ou un
    critère environnemental, divisé par le nombre de marchés notifiés dans l'année dont les considérations
    sont publiées, × 100 (définition du PNAD 2022-2025, en nombre de marchés)."""
    return _contract_share(organisation, years, ENVIRONMENTAL, base=PUBLISHED)


@register(
    "contracts.pnad_environmental_amount_share",
    label="Part du montant des marchés avec au moins une considération environnementale",
    unit=Unit.PERCENT,
    reads=PNAD_READS,
    source="contracts",
    numerator_q=_const(ENVIRONMENTAL),
    denominator=_contracts_drill(PUBLISHED, with_amount=True),
    share=(_const(ENVIRONMENTAL), True, PUBLISHED),
)
def pnad_environmental_amount_share(organisation, years):
    """Somme des montants initiaux HT des marchés notifiés dans l'année comportant une clause ou un critère
    environnemental, divisée par la somme des montants initiaux HT des marchés notifiés dans l'année dont les
    considérations sont publiées (marchés sans montant exclus), × 100."""
    return _contract_share(organisation, years, ENVIRONMENTAL, by_amount=True, base=PUBLISHED)


@register(
    "contracts.pnad_social_share",
    label="Part des marchés avec au moins une considération sociale (en nombre)",
    unit=Unit.PERCENT,
    reads=PNAD_READS,
    source="contracts",
    numerator_q=_const(SOCIAL),
    denominator=_contracts_drill(PUBLISHED),
    share=(_const(SOCIAL), False, PUBLISHED),
)
def pnad_social_share(organisation, years):
    """Nombre de marchés notifiés dans l'année dont les données essentielles comportent une clause sociale,
    un critère social ou un marché réservé, divisé par le nombre de marchés notifiés dans l'année dont les
    considérations sont publiées, × 100 (définition du PNAD 2022-2025, en nombre de marchés)."""
    return _contract_share(organisation, years, SOCIAL, base=PUBLISHED)


@register(
    "contracts.pnad_social_amount_share",
    label="Part du montant des marchés avec au moins une considération sociale",
    unit=Unit.PERCENT,
    reads=PNAD_READS,
    source="contracts",
    numerator_q=_const(SOCIAL),
    denominator=_contracts_drill(PUBLISHED, with_amount=True),
    share=(_const(SOCIAL), True, PUBLISHED),
)
def pnad_social_amount_share(organisation, years):
    """Somme des montants initiaux HT des marchés notifiés dans l'année comportant une clause sociale, un
    critère social ou un marché réservé, divisée par la somme des montants initiaux HT des marchés notifiés
    dans l'année dont les considérations sont publiées (marchés sans montant exclus), × 100."""
    return _contract_share(organisation, years, SOCIAL, by_amount=True, base=PUBLISHED)


KIND_LABELS = {
    "environmental_clause": "une clause environnementale",
    "environmental_criterion": "un critère environnemental",
    "social_clause": "une clause sociale",
    "social_criterion": "un critère social",
    "social_reserved": "une réservation (marché réservé)",
}


def _register_kind(kind, by_amount):
    q = KIND_FILTERS[kind]
    suffix = "_amount_share" if by_amount else "_share"
    what = "du montant des marchés" if by_amount else "des marchés"

    def compute(organisation, years):
        return _contract_share(organisation, years, q, by_amount=by_amount, base=PUBLISHED)

    measure = "la somme de leurs montants initiaux HT" if by_amount else "leur nombre"
    compute.__doc__ = (
        f"Parmi les marchés notifiés dans l'année dont les considérations sont publiées, {measure} "
        f"lorsque les données essentielles déclarent {KIND_LABELS[kind]}, divisé par {measure} pour tous, × 100."
    )
    compute.__name__ = f"pnad_{kind}{suffix}"
    register(
        f"contracts.pnad_{kind}{suffix}",
        label=f"Part {what} avec {KIND_LABELS[kind]}",
        unit=Unit.PERCENT,
        reads=PNAD_READS,
        source="contracts",
        numerator_q=_const(q),
        denominator=_contracts_drill(PUBLISHED, with_amount=by_amount),
        share=(_const(q), by_amount, PUBLISHED),
    )(compute)


for _kind in KIND_FILTERS:
    _register_kind(_kind, by_amount=False)
    _register_kind(_kind, by_amount=True)


# --- Holders ---------------------------------------------------------------------------------------------


def _holder_exists(condition: Q):
    from spaser.contracts.models import ContractHolder

    return Exists(ContractHolder.objects.filter(condition, contract=OuterRef("pk"), is_initial=True))


def _sme_q(organisation):
    from spaser.suppliers.enums import CompanyCategory

    return Q(_holder_exists(Q(supplier__category__in=[CompanyCategory.TPE, CompanyCategory.PME])))


def _ess_q(organisation):
    return Q(_holder_exists(Q(supplier__is_ess=True)))


def _inclusive_q(organisation):
    from spaser.actors.enums import KindGroup
    from spaser.actors.models import Actor

    sirens = Actor.objects.filter(
        kinds__group__in=[KindGroup.SIAE, KindGroup.DISABILITY], is_demo=False, siren__gt=""
    ).values("siren")
    return Q(_holder_exists(Q(supplier__siren__in=sirens)))


def _region_q(organisation):
    return Q(_holder_exists(Q(establishment__commune__departement__region__code=organisation.region_code or "—")))


def _departement_q(organisation):
    return Q(_holder_exists(Q(establishment__commune__departement__code=organisation.departement_code or "—")))


def _holder_conditions(organisation):
    """Each holder family as a condition on an initial holder row (for the single holder scan)."""
    from spaser.actors.enums import KindGroup
    from spaser.actors.models import Actor
    from spaser.suppliers.enums import CompanyCategory

    sirens = Actor.objects.filter(
        kinds__group__in=[KindGroup.SIAE, KindGroup.DISABILITY], is_demo=False, siren__gt=""
    ).values("siren")
    return {
        "sme": Q(supplier__category__in=[CompanyCategory.TPE, CompanyCategory.PME]),
        "ess": Q(supplier__is_ess=True),
        "inclusive": Q(supplier__siren__in=sirens),
        "region": Q(establishment__commune__departement__region__code=organisation.region_code or "—"),
        "departement": Q(establishment__commune__departement__code=organisation.departement_code or "—"),
    }


def _holder_flags_query(organisation, years, families, scope_columns):
    """One row per notified market with initial holders: its year, amount, one 0/1 flag per holder family
    (MAX over its holders) and the ``scope_columns`` (alias -> expression over ContractHolder)."""
    from django.db.models import Case, Max, When

    from spaser.contracts.models import ContractHolder

    conditions = _holder_conditions(organisation)
    inner = ContractHolder.objects.filter(
        is_initial=True,
        contract__in=notified_markets(organisation, years).values("pk"),
    )
    if scope_columns:
        inner = inner.annotate(**scope_columns)
    return (
        inner.values("contract_id", *scope_columns)
        .annotate(
            ind_period=_period_expression("contract__notified_on"),
            amount=F("contract__initial_amount"),
            **{
                f"f_{family}": Max(
                    Case(When(conditions[family], then=Value(1)), default=Value(0), output_field=IntegerField())
                )
                for family in families
            },
        )
        .order_by()
    )


def _holder_sums(families):
    return ", ".join(
        f"SUM(f_{family}), SUM(CASE WHEN f_{family} = 1 AND amount IS NOT NULL THEN amount ELSE 0 END)"
        for family in families
    )


@dataclass(frozen=True)
class _SharedHolderScan:
    table: str
    organisation_id: int
    years: tuple
    families: tuple
    columns: dict  # scope kind -> column of the table
    suppliers_table: str | None = None  # one row per initial holder: contract, supplier, year, scope columns


_HOLDER_SCAN = contextvars.ContextVar("indicator_holder_scan", default=None)
HOLDER_SCOPE_COLUMNS = {
    ScopeKind.DIRECTION: "s_direction",
    ScopeKind.FAMILY: "s_family",
    ScopeKind.DEPARTEMENT: "s_departement",
}


@contextmanager
def shared_holder_scan(organisation, years, definitions):
    """Inside this block, ``compute_holder_shares`` reads the per-contract holder flags from one temporary
    table, built once with a column per kind of scope, instead of scanning the holders again for each kind
    of scope (the holder scan is the costly part of a recompute)."""
    import uuid

    from django.db import connection

    from spaser.contracts.models import Contract, ContractHolder

    families = tuple(sorted({definition.holder[0] for definition in definitions if definition.holder}))
    with_suppliers = any(definition.key == "contracts.distinct_holders" for definition in definitions)
    if not families and not with_suppliers:
        yield
        return
    suffix = uuid.uuid4().hex[:12]
    table, suppliers_table = f"ind_holder_flags_{suffix}", f"ind_holder_suppliers_{suffix}"
    with grouping():
        columns = {
            column: scope_expression(Contract, kind, prefix="contract__")
            for kind, column in HOLDER_SCOPE_COLUMNS.items()
        }
        statements = []
        if families:
            statements.append((table, _holder_flags_query(organisation, years, families, columns)))
        if with_suppliers:
            suppliers = (
                ContractHolder.objects.filter(
                    is_initial=True, contract__in=notified_markets(organisation, years).values("pk")
                )
                .annotate(ind_period=ExtractYear("contract__notified_on"), **columns)
                .values("contract_id", "supplier_id", "ind_period", *columns)
                .order_by()
            )
            statements.append((suppliers_table, suppliers))
    created = []
    try:
        with connection.cursor() as cursor:
            for name, query in statements:
                sql, params = query.query.sql_with_params()
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)  # noqa: S608 (generated name)
                created.append(name)
        token = _HOLDER_SCAN.set(
            _SharedHolderScan(
                table if families else "",
                organisation.pk,
                tuple(years),
                families,
                dict(HOLDER_SCOPE_COLUMNS),
                suppliers_table if with_suppliers else None,
            )
        )
        try:
            yield
        finally:
            _HOLDER_SCAN.reset(token)
    finally:
        with connection.cursor() as cursor:
            for name in created:
                cursor.execute(f"DROP TABLE {name}")


def _shared_scan_for(organisation, years, families):
    shared = _HOLDER_SCAN.get()
    current = _GROUPING.get()
    if (
        shared is None
        or not shared.table
        or shared.organisation_id != organisation.pk
        or shared.years != tuple(years)
        or not set(families) <= set(shared.families)
        or current.span is not None
        or (current.scope_kind != ScopeKind.ORGANISATION and current.scope_kind not in shared.columns)
    ):
        return None
    return shared


def _shared_suppliers_scan(organisation, years):
    """``distinct_holders`` from the temporary table of ``shared_holder_scan``, when it covers ``years``."""
    from django.db import connection

    shared = _HOLDER_SCAN.get()
    current = _GROUPING.get()
    if (
        shared is None
        or shared.suppliers_table is None
        or shared.organisation_id != organisation.pk
        or not set(years) <= set(shared.years)
        or (current.scope_kind != ScopeKind.ORGANISATION and current.scope_kind not in shared.columns)
    ):
        return None
    column = shared.columns.get(current.scope_kind)
    keys = [column] if column else []
    if current.span is None:
        keys.append("ind_period")
    conditions = [f"ind_period IN ({', '.join(str(int(year)) for year in years)})"]
    if column:
        conditions.append(f"{column} IS NOT NULL")
    select = ", ".join([*keys, "COUNT(DISTINCT supplier_id)", "COUNT(DISTINCT contract_id)"])
    query = f"SELECT {select} FROM {shared.suppliers_table} WHERE {' AND '.join(conditions)}"  # noqa: S608
    if keys:
        query += f" GROUP BY {', '.join(keys)}"
    results = {}
    with connection.cursor() as cursor:
        cursor.execute(query)
        for row in cursor.fetchall():
            *group, part, count = row
            if not count:
                continue
            year = int(group[-1]) if current.span is None else current.span[0]
            key = (group[0], year) if column else year
            results[key] = Result(Decimal(part), Decimal(part), None, count)
    return results


def compute_holder_shares(organisation, years, definitions) -> dict[str, dict[int, Result]]:
    """The same results as each holder definition's own function, in two queries instead of one per share.

    An inner query groups the initial holders by contract with one 0/1 flag per holder family (MAX over
    the holders); an outer query sums the flags and amounts by year (or by the current grouping).
    Denominators come from one aggregate. Inside ``shared_holder_scan`` the inner query is read from its
    temporary table.
    """
    from django.db import connection

    from spaser.contracts.models import Contract

    families = sorted({definition.holder[0] for definition in definitions})
    groups, scoped = _group_annotations(Contract, "contract__notified_on", prefix="contract__")
    if groups is None:
        return {definition.key: {} for definition in definitions}
    shared = _shared_scan_for(organisation, years, families)
    if shared is not None:
        column = shared.columns.get(_GROUPING.get().scope_kind)
        keys = f"{column}, ind_period" if scoped else "ind_period"
        where = f" WHERE {column} IS NOT NULL" if scoped else ""
        query = f"SELECT {keys}, {_holder_sums(families)} FROM {shared.table}{where} GROUP BY {keys}"  # noqa: S608
        params = []
    else:
        scope_columns = {"ind_scope": groups["ind_scope"]} if scoped else {}
        inner = _holder_flags_query(organisation, years, families, scope_columns)
        if scoped:
            inner = inner.exclude(ind_scope=None)
        sql, params = inner.query.sql_with_params()
        keys = "ind_scope, ind_period" if scoped else "ind_period"
        query = f"SELECT {keys}, {_holder_sums(families)} FROM ({sql}) AS flags GROUP BY {keys}"  # noqa: S608
    width = 2 if scoped else 1
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = {(tuple(row[:2]) if scoped else row[0]): row[width:] for row in cursor.fetchall()}
    totals = _by_year(
        notified_markets(organisation, years),
        "notified_on",
        years,
        n=Count("pk"),
        n_amount=Count("initial_amount"),
        amount=Sum("initial_amount"),
    )
    results = {}
    for definition in definitions:
        family, by_amount = definition.holder
        position = families.index(family) * 2
        per_year = {}
        for year, total in totals.items():
            count = total["n_amount"] if by_amount else total["n"]
            if not count:
                continue
            flags = rows.get(year)
            part = (flags[position + 1] if by_amount else flags[position]) if flags else 0
            part = Decimal(part or 0)
            denominator = total["amount"] if by_amount else total["n"]
            per_year[year] = Result(_share(part, denominator), part, Decimal(denominator or 0), count)
        results[definition.key] = per_year
    return results


HOLDER_READS = "Contrats (DECP) : titulaires initiaux, rapprochés des fournisseurs (base SIRENE)"
HOLDER_FAMILIES = {
    "sme": (_sme_q, "des TPE ou PME (catégorie SIRENE)", HOLDER_READS + ", catégorie d'entreprise."),
    "ess": (_ess_q, "des entreprises de l'ESS (indicateur SIRENE)", HOLDER_READS + ", appartenance à l'ESS."),
    "inclusive": (
        _inclusive_q,
        "des SIAE, EA ou ESAT connues de l'annuaire des acteurs",
        HOLDER_READS + " ; annuaire des acteurs (SIAE, EA, ESAT) rapproché par SIREN.",
    ),
    "region": (
        _region_q,
        "des titulaires dont l'établissement est situé dans la région de l'acheteur",
        HOLDER_READS + ", commune de l'établissement ; région de l'acheteur.",
    ),
    "departement": (
        _departement_q,
        "des titulaires dont l'établissement est situé dans le département de l'acheteur",
        HOLDER_READS + ", commune de l'établissement ; département de l'acheteur.",
    ),
}
# Keys of the référentiel (docs/referentiel.md) for two of them.
HOLDER_KEYS = {("sme", False): "contracts.sme_holder_share", ("ess", True): "contracts.ess_holder_amount_share"}


def _register_holder(family, by_amount):
    q_of, who, reads = HOLDER_FAMILIES[family]
    key = HOLDER_KEYS.get((family, by_amount)) or f"contracts.{family}_holder{'_amount' if by_amount else ''}_share"

    def compute(organisation, years):
        return _contract_share(organisation, years, q_of(organisation), by_amount=by_amount)

    measure = "la somme des montants initiaux HT" if by_amount else "le nombre"
    compute.__doc__ = (
        f"{measure.capitalize()} des marchés notifiés dans l'année dont au moins un titulaire initial est "
        f"{who}, divisé par {measure} des marchés notifiés dans l'année, × 100 (le montant d'un marché "
        "à plusieurs titulaires compte en entier)."
    )
    compute.__name__ = key.split(".")[1]
    register(
        key,
        label=f"Part {'du montant ' if by_amount else ''}des marchés attribués à {who}",
        unit=Unit.PERCENT,
        reads=reads,
        source="contracts",
        numerator_q=q_of,
        denominator=_contracts_drill(with_amount=by_amount),
        # Not in the contracts' single scan (correlated EXISTS inside FILTER was slower): computed together
        # by ``compute_holder_shares`` instead.
        holder=(family, by_amount),
    )(compute)


for _family in HOLDER_FAMILIES:
    _register_holder(_family, by_amount=False)
    _register_holder(_family, by_amount=True)


@register(
    "contracts.distinct_holders",
    label="Nombre de titulaires distincts",
    unit=Unit.COUNT,
    reads=HOLDER_READS + ".",
    source="contracts",
    denominator=_contracts_drill(),
    additive=False,  # a holder of two years counts once over the period
)
def distinct_holders(organisation, years):
    """Nombre d'entreprises distinctes (SIREN, ou identifiant étranger) titulaires initiales d'au moins un
    marché notifié dans l'année."""
    shared = _shared_suppliers_scan(organisation, years)
    if shared is not None:
        return shared
    rows = _by_year(
        notified_markets(organisation, years).filter(holders__is_initial=True),
        "notified_on",
        years,
        part=Count("holders__supplier", distinct=True),
        n=Count("pk", distinct=True),
    )
    return {year: Result(Decimal(row["part"]), Decimal(row["part"]), None, row["n"]) for year, row in rows.items()}


@register(
    "contracts.single_offer_share",
    label="Part des marchés n'ayant reçu qu'une offre",
    unit=Unit.PERCENT,
    reads="Contrats (DECP) : nombre d'offres reçues (offresRecues), quand il est publié.",
    source="contracts",
    numerator_q=_const(Q(offers_received=1)),
    denominator=_contracts_drill(Q(offers_received__isnull=False)),
    share=(_const(Q(offers_received=1)), False, Q(offers_received__isnull=False)),
)
def single_offer_share(organisation, years):
    """Nombre de marchés notifiés dans l'année ayant reçu une seule offre (offresRecues = 1), divisé par le
    nombre de marchés notifiés dans l'année dont le nombre d'offres est publié, × 100."""
    return _contract_share(organisation, years, Q(offers_received=1), base=Q(offers_received__isnull=False))


@register(
    "contracts.advance_share",
    label="Part des marchés avec une avance attribuée",
    unit=Unit.PERCENT,
    reads="Contrats (DECP) : attribution d'une avance (attributionAvance), quand elle est publiée.",
    source="contracts",
    numerator_q=_const(Q(advance=True)),
    denominator=_contracts_drill(Q(advance__isnull=False)),
    share=(_const(Q(advance=True)), False, Q(advance__isnull=False)),
)
def advance_share(organisation, years):
    """Nombre de marchés notifiés dans l'année avec une avance attribuée, divisé par le nombre de marchés
    notifiés dans l'année où l'information est publiée, × 100."""
    return _contract_share(organisation, years, Q(advance=True), base=Q(advance__isnull=False))


@register(
    "contracts.subcontracting_share",
    label="Part des marchés avec une sous-traitance déclarée",
    unit=Unit.PERCENT,
    reads="Contrats (DECP) : sous-traitance déclarée (sousTraitanceDeclaree), quand elle est publiée.",
    source="contracts",
    numerator_q=_const(Q(subcontracting_declared=True)),
    denominator=_contracts_drill(Q(subcontracting_declared__isnull=False)),
    share=(_const(Q(subcontracting_declared=True)), False, Q(subcontracting_declared__isnull=False)),
)
def subcontracting_share(organisation, years):
    """Nombre de marchés notifiés dans l'année dont une sous-traitance est déclarée, divisé par le nombre de
    marchés notifiés dans l'année où l'information est publiée, × 100."""
    return _contract_share(
        organisation, years, Q(subcontracting_declared=True), base=Q(subcontracting_declared__isnull=False)
    )


# --- Purchase forms ("Mon projet d'achat responsable") -----------------------------------------------------

FORMS_READS = "Fiches « Mon projet d'achat responsable » validées (date de validation), critères et clauses."


def validated_forms(organisation, years):
    from spaser.strategies.models import FROZEN_STATES, PurchaseProject

    start, end = _year_bounds(years)
    return PurchaseProject.objects.filter(
        organisation=organisation,
        state__in=FROZEN_STATES,
        validated_at__gte=timezone.make_aware(timezone.datetime(start.year, 1, 1)),
        validated_at__lt=timezone.make_aware(timezone.datetime(end.year, 1, 1)),
    )


def _forms_of_year(organisation, year):
    return validated_forms(organisation, _years_of(year))


def _env_weight():
    from spaser.strategies.enums import CriterionKind
    from spaser.strategies.models import AwardCriterion

    weights = (
        AwardCriterion.objects.filter(
            Q(kind=CriterionKind.ENVIRONMENTAL) | Q(includes_environment=True), project=OuterRef("pk")
        )
        .values("project")
        .annotate(total=Sum("weight"))
        .values("total")
    )
    return Coalesce(Subquery(weights, output_field=DecimalField()), Value(Decimal(0)), output_field=DecimalField())


def _weight_bounds(organisation):
    from spaser.strategies.models import StrategySettings

    settings = StrategySettings.objects.filter(organisation=organisation).first()
    if settings is None:
        return Decimal(10), Decimal(15)
    return settings.env_weight_min, settings.env_weight_max


def _form_share(organisation, years, numerator: Q, *, queryset=None, annotate=None):
    queryset = queryset if queryset is not None else validated_forms(organisation, years)
    if annotate:
        queryset = queryset.annotate(**annotate)
    rows = _by_year(queryset, "validated_at", years, total=Count("pk"), part=Count("pk", filter=numerator))
    return {
        year: Result(_share(row["part"], row["total"]), Decimal(row["part"]), Decimal(row["total"]), row["total"])
        for year, row in rows.items()
    }


def _forms_weight_drill(organisation, year):
    return _forms_of_year(organisation, year).annotate(env_weight=_env_weight())


def _env_min_q(organisation):
    low, _ = _weight_bounds(organisation)
    return Q(env_weight__gte=low)


def _env_range_q(organisation):
    low, high = _weight_bounds(organisation)
    return Q(env_weight__gte=low, env_weight__lte=high)


@register(
    "strategies.environmental_criterion_weight_share",
    label="Part des fiches validées avec un critère environnemental pondéré au minimum du SPASER",
    unit=Unit.PERCENT,
    reads=FORMS_READS,
    source="forms",
    numerator_q=_env_min_q,
    denominator=_forms_weight_drill,
)
def environmental_criterion_weight_share(organisation, years):
    """Nombre de fiches validées dans l'année dont les critères d'attribution environnementaux pèsent au
    moins la pondération minimale du SPASER (10 % par défaut, réglage de l'organisation), divisé par le nombre
    de fiches validées dans l'année, × 100."""
    return _form_share(organisation, years, _env_min_q(organisation), annotate={"env_weight": _env_weight()})


@register(
    "strategies.environmental_weight_in_range_share",
    label="Part des fiches validées avec un critère environnemental pondéré dans la fourchette du SPASER",
    unit=Unit.PERCENT,
    reads=FORMS_READS,
    source="forms",
    numerator_q=_env_range_q,
    denominator=_forms_weight_drill,
)
def environmental_weight_in_range_share(organisation, years):
    """Nombre de fiches validées dans l'année dont la pondération environnementale totale est comprise entre
    la pondération minimale et la pondération maximale du SPASER (10 à 15 % par défaut, bornes incluses),
    divisé par le nombre de fiches validées dans l'année, × 100."""
    return _form_share(organisation, years, _env_range_q(organisation), annotate={"env_weight": _env_weight()})


@register(
    "strategies.environmental_weight_average",
    label="Pondération environnementale moyenne des fiches validées",
    unit=Unit.PERCENT,
    reads=FORMS_READS,
    source="forms",
    denominator=_forms_weight_drill,
)
def environmental_weight_average(organisation, years):
    """Moyenne, sur les fiches validées dans l'année, de la pondération totale de leurs critères
    d'attribution environnementaux (0 pour une fiche qui n'en a pas)."""
    rows = _by_year(
        validated_forms(organisation, years).annotate(env_weight=_env_weight()),
        "validated_at",
        years,
        avg=Avg("env_weight"),
        n=Count("pk"),
    )
    return {
        year: Result(Decimal(row["avg"]).quantize(Decimal("0.0001")), None, Decimal(row["n"]), row["n"])
        for year, row in rows.items()
        if row["avg"] is not None
    }


def _training_q(organisation):
    from spaser.strategies.enums import CriterionKind
    from spaser.strategies.models import AwardCriterion

    return Q(
        Exists(
            AwardCriterion.objects.filter(
                Q(kind=CriterionKind.ENVIRONMENTAL) | Q(includes_environment=True), project=OuterRef("pk")
            )
        )
    )


def _training_forms(organisation, year):
    return _forms_of_year(organisation, year).filter(Q(family__code="FORMATION") | Q(family__parent__code="FORMATION"))


@register(
    "strategies.training_ecological_criterion_share",
    label="Part des consultations de formation avec un critère transition écologique",
    unit=Unit.PERCENT,
    reads=FORMS_READS + " Famille d'achat FORMATION.",
    source="forms",
    numerator_q=_training_q,
    denominator=_training_forms,
)
def training_ecological_criterion_share(organisation, years):
    """Nombre de fiches validées dans l'année de la famille « Formation professionnelle » ayant au moins un
    critère d'attribution environnemental (ou intégrant l'environnement), divisé par le nombre de fiches
    validées dans l'année de cette famille, × 100."""
    queryset = validated_forms(organisation, years).filter(
        Q(family__code="FORMATION") | Q(family__parent__code="FORMATION")
    )
    return _form_share(organisation, years, _training_q(organisation), queryset=queryset)


def _social_q(organisation):
    from spaser.strategies.enums import ClauseDimension, CriterionKind
    from spaser.strategies.models import AwardCriterion, Clause

    return (
        Q(insertion_clause=True)
        | ~Q(reservation="")
        | ~Q(social_justification="")
        | Q(Exists(AwardCriterion.objects.filter(project=OuterRef("pk"), kind=CriterionKind.SOCIAL)))
        | Q(Exists(Clause.objects.filter(project=OuterRef("pk"), dimension=ClauseDimension.SOCIAL)))
    )


@register(
    "strategies.social_consideration_or_justification_share",
    label="Part des fiches validées avec une considération sociale ou une justification de son absence",
    unit=Unit.PERCENT,
    reads=FORMS_READS,
    source="forms",
    numerator_q=_social_q,
    denominator=_forms_of_year,
)
def social_consideration_or_justification_share(organisation, years):
    """Nombre de fiches validées dans l'année qui prévoient une clause d'insertion, une réservation, un
    critère social ou une clause sociale, ou qui justifient l'absence de considération sociale, divisé par le
    nombre de fiches validées dans l'année, × 100."""
    return _form_share(organisation, years, _social_q(organisation))


def _reserved_q(organisation):
    return ~Q(reservation="")


@register(
    "strategies.reserved_share",
    label="Part des fiches validées réservant le marché ou un lot",
    unit=Unit.PERCENT,
    reads=FORMS_READS,
    source="forms",
    numerator_q=_reserved_q,
    denominator=_forms_of_year,
)
def reserved_share(organisation, years):
    """Nombre de fiches validées dans l'année qui réservent le marché ou un lot (EA/ESAT, SIAE ou ESS),
    divisé par le nombre de fiches validées dans l'année, × 100."""
    return _form_share(organisation, years, _reserved_q(organisation))


@register(
    "strategies.planned_insertion_hours",
    label="Heures d'insertion prévues par les fiches validées",
    unit=Unit.HOURS,
    reads=FORMS_READS + " Heures d'insertion.",
    source="forms",
    numerator_q=lambda organisation: Q(insertion_hours__gt=0),
    denominator=_forms_of_year,
)
def planned_insertion_hours(organisation, years):
    """Somme des heures d'insertion prévues par les fiches validées dans l'année."""
    rows = _by_year(
        validated_forms(organisation, years), "validated_at", years, total=Sum("insertion_hours"), n=Count("pk")
    )
    return {
        year: Result(Decimal(row["total"] or 0), Decimal(row["total"] or 0), None, row["n"])
        for year, row in rows.items()
    }


def _submitted_at():
    from spaser.strategies.enums import Transition
    from spaser.strategies.models import ProjectTransitionLog

    first = (
        ProjectTransitionLog.objects.filter(project=OuterRef("pk"), transition=Transition.SUBMIT)
        .values("project")
        .annotate(first=Min("timestamp"))
        .values("first")
    )
    return Subquery(first)


@register(
    "strategies.validation_days_average",
    label="Délai moyen de validation des fiches (jours)",
    unit=Unit.DAYS,
    reads=FORMS_READS + " Journal du circuit de validation.",
    source="forms",
    denominator=lambda organisation, year: _forms_of_year(organisation, year).annotate(submitted_at=_submitted_at()),
)
def validation_days_average(organisation, years):
    """Moyenne, sur les fiches validées dans l'année, du nombre de jours entre leur première soumission à
    validation et leur validation."""
    queryset = (
        validated_forms(organisation, years)
        .annotate(submitted_at=_submitted_at())
        .filter(submitted_at__isnull=False)
        .annotate(delay=ExpressionWrapper(F("validated_at") - F("submitted_at"), output_field=DurationField()))
    )
    rows = _by_year(queryset, "validated_at", years, avg=Avg("delay"), n=Count("pk"))
    results = {}
    for year, row in rows.items():
        delay = row["avg"]
        if delay is None:
            continue
        days = Decimal(delay.total_seconds()) / Decimal(86400)
        results[year] = Result(days.quantize(Decimal("0.01")), None, Decimal(row["n"]), row["n"])
    return results


def _waiting_forms(organisation, year=None):
    from spaser.strategies.enums import ProjectState
    from spaser.strategies.models import PurchaseProject

    return PurchaseProject.objects.filter(
        organisation=organisation, state__in=[ProjectState.SUBMITTED, ProjectState.ENVIRONMENT_REVIEW]
    )


@register(
    "strategies.waiting_forms",
    label="Fiches en attente de validation",
    unit=Unit.COUNT,
    reads="Fiches soumises à validation ou en attente de l'avis environnement, au moment du calcul.",
    source="forms",
    denominator=_waiting_forms,
    stock=True,
)
def waiting_forms(organisation, years):
    """Nombre de fiches soumises à validation ou attendant l'avis environnement au moment du calcul (un stock,
    rattaché à l'année en cours)."""
    year = timezone.localdate().year
    if year not in years:
        return {}
    count = _waiting_forms(organisation).count()
    return {year: Result(Decimal(count), Decimal(count), None, count)}


@register(
    "strategies.eligible_purchases_count",
    label="Achats éligibles identifiés au stade de la programmation",
    unit=Unit.COUNT,
    reads="Programmation annuelle des achats : lignes signalées éligibles (RSE), par année de lancement prévue.",
    source="programme",
    numerator_q=lambda organisation: Q(rse_eligible=True),
    denominator=lambda organisation, year: _programme(organisation, _years_of(year)),
)
def eligible_purchases_count(organisation, years):
    """Nombre de lignes de la programmation des achats dont le lancement est prévu dans l'année et qui sont
    signalées éligibles à un accompagnement environnemental et social (RSE)."""
    rows = _by_year(
        _programme(organisation, years),
        "planned_launch_date",
        years,
        part=Count("pk", filter=Q(rse_eligible=True)),
        n=Count("pk"),
    )
    return {year: Result(Decimal(row["part"]), Decimal(row["part"]), None, row["n"]) for year, row in rows.items()}


def _programme(organisation, years):
    from spaser.strategies.models import ProgrammeEntry

    start, end = _year_bounds(years)
    return ProgrammeEntry.objects.filter(
        organisation=organisation, planned_launch_date__gte=start, planned_launch_date__lt=end
    )


# --- The contract ↔ form link (ProjectContract) ----------------------------------------------------------

LINK_READS = (
    "Contrats (DECP) : marchés notifiés dans l'année, montant initial HT ; rattachements confirmés des marchés "
    "aux fiches « Mon projet d'achat responsable » et date de validation de la fiche."
)


def _form_required_q(organisation):
    """Markets that needed a form: initial amount at or above the form threshold in force at their notification
    date (the reconciliation report's rule, shared through ``strategies.selectors.form_required_q``). The
    threshold periods are read once per organisation inside ``link_memo``."""
    from spaser.strategies.selectors import form_required_q, form_threshold_periods

    memo = _THRESHOLD_MEMO.get()
    periods = memo.get(organisation.pk) if memo is not None else None
    if periods is None:
        periods = form_threshold_periods(organisation)
        if memo is not None:
            memo[organisation.pk] = periods
    return form_required_q(periods=periods)


def _linked_to_validated_form_q(organisation=None):
    """Linked to a validated form. An ``IN (subquery)`` rather than ``EXISTS``: Django adds ``LIMIT 1`` to
    ``EXISTS``, which keeps PostgreSQL from hashing the few thousand links once."""
    from spaser.strategies.models import ProjectContract

    return Q(pk__in=ProjectContract.objects.filter(project__validated_at__isnull=False).values("contract_id"))


def _above_threshold(organisation, year):
    return _markets_of_year(organisation, year).filter(_form_required_q(organisation))


@register(
    "strategies.validated_form_coverage",
    label="Part des marchés au-dessus du seuil de la fiche précédés d'une fiche validée",
    unit=Unit.PERCENT,
    reads=LINK_READS
    + " Seuil de la fiche en vigueur à la date de notification de chaque marché (référentiel des seuils, période "
    "par période, ou réglage de l'organisation).",
    source="contracts",
    numerator_q=_linked_to_validated_form_q,
    denominator=_above_threshold,
    scopes=(ScopeKind.FAMILY, ScopeKind.DEPARTEMENT),  # by direction, only linked contracts have one
)
def validated_form_coverage(organisation, years):
    """Nombre de marchés notifiés dans l'année dont le montant initial HT atteint le seuil de la fiche
    « Mon projet d'achat responsable » en vigueur à leur date de notification (40 000 € HT par défaut,
    référentiel des seuils ou réglage de l'organisation, seuil inclus) et qui sont rattachés à une fiche validée
    (date de validation renseignée), divisé par le nombre de marchés notifiés dans l'année atteignant ce seuil,
    × 100. Même règle que la liste « Marchés sans fiche » du rapprochement fiches – données publiées."""
    return _contract_share(organisation, years, _linked_to_validated_form_q(), base=_form_required_q(organisation))


def _linked_published(organisation, year):
    """Markets of the year with published considerations that are linked to a validated form."""

    return _markets_of_year(organisation, year).filter(PUBLISHED, _linked_to_validated_form_q())


_AGREEMENT_MEMO = contextvars.ContextVar("indicator_agreement_memo", default=None)
_THRESHOLD_MEMO = contextvars.ContextVar("indicator_threshold_memo", default=None)


@contextmanager
def link_memo():
    """Inside this block (one recompute), each contract's agreement with its form is decided once and each
    organisation's form threshold periods are read once: a recompute asks for them once per kind of scope."""
    agreement, threshold = _AGREEMENT_MEMO.set({}), _THRESHOLD_MEMO.set({})
    try:
        yield
    finally:
        _AGREEMENT_MEMO.reset(agreement)
        _THRESHOLD_MEMO.reset(threshold)


def agreeing_contract_ids(contracts) -> set[int]:
    """The ids of ``contracts`` (linked to a validated form) on which the form and the published data agree:
    no disagreement from ``contracts.matching.consideration_disagreements`` (read-only helpers of the other
    apps). Four queries for any number of contracts."""
    from spaser.contracts.matching import consideration_disagreements
    from spaser.strategies.models import ProjectContract
    from spaser.strategies.selectors import planned_considerations

    memo = _AGREEMENT_MEMO.get()
    contracts = {contract.pk: contract for contract in contracts}
    known = {pk: memo[pk] for pk in contracts if memo is not None and pk in memo}
    unknown = [pk for pk in contracts if pk not in known]
    for start in range(0, len(unknown), 2000):  # bounded IN lists
        links = (
            ProjectContract.objects.filter(contract_id__in=unknown[start : start + 2000])
            .select_related("project")
            .prefetch_related("project__award_criteria", "project__clauses")
        )
        for link in links:
            social, environmental = planned_considerations(link.project)
            contract = contracts[link.contract_id]
            known[contract.pk] = not consideration_disagreements(
                plans_social=social, plans_environmental=environmental, contract=contract
            )
    if memo is not None:
        memo.update(known)
    return {pk for pk, agrees in known.items() if agrees}


AGREEMENT_FIELDS = [
    "pk",
    "notified_on",
    "initial_amount",
    "considerations_published",
    "social_clause",
    "social_criterion",
    "social_reserved",
    "social_none",
    "environmental_clause",
    "environmental_criterion",
    "environmental_none",
]


@register(
    "strategies.consideration_agreement_share",
    label="Part des marchés rattachés dont les considérations publiées concordent avec la fiche",
    unit=Unit.PERCENT,
    reads=LINK_READS + " Considérations publiées (DECP) ; critères, clauses et dispositifs sociaux de la fiche.",
    source="contracts",
    denominator=_linked_published,
    flags=lambda organisation, records: agreeing_contract_ids(records),
)
def consideration_agreement_share(organisation, years):
    """Parmi les marchés notifiés dans l'année, rattachés à une fiche validée et dont les considérations sont
    publiées, nombre de ceux dont les considérations sociales et environnementales publiées concordent avec
    celles que prévoit la fiche (aucun écart relevé par le rapprochement fiche – DECP), divisé par le nombre de
    ces marchés, × 100."""
    contracts = list(
        _group_rows(
            notified_markets(organisation, years)
            .filter(PUBLISHED, _linked_to_validated_form_q())
            .only(*AGREEMENT_FIELDS),
            "notified_on",
            years,
        )
    )
    agreeing = agreeing_contract_ids(contract for _, contract in contracts)
    totals = {}
    for group, contract in contracts:
        part, total = totals.get(group, (0, 0))
        totals[group] = (part + (contract.pk in agreeing), total + 1)
    return {
        group: Result(_share(part, total), Decimal(part), Decimal(total), total)
        for group, (part, total) in totals.items()
    }


# --- Stocks: the actors directory and the référentiel ------------------------------------------------------


def _actors_with_groups(groups):
    from spaser.actors.models import Actor

    return Actor.objects.filter(is_demo=False, kinds__group__in=groups).distinct()


def _stock(organisation, years, count):
    year = timezone.localdate().year
    if year not in years:
        return {}
    return {year: Result(Decimal(count), Decimal(count), None, count)}


@register(
    "suppliers.ess_actor_count",
    label="Acteurs de l'ESS référencés dans l'annuaire",
    unit=Unit.COUNT,
    reads="Annuaire des acteurs (hors acteurs de démonstration) : types ESS, SIAE, EA et ESAT.",
    source="actors",
    stock=True,
)
def ess_actor_count(organisation, years):
    """Nombre d'acteurs réels de l'annuaire (hors démonstration) d'au moins un type de l'ESS, de l'insertion
    par l'activité économique ou du handicap (EA, ESAT), au moment du calcul."""
    from spaser.actors.enums import KindGroup

    groups = [KindGroup.ESS, KindGroup.SIAE, KindGroup.DISABILITY]
    return _stock(organisation, years, _actors_with_groups(groups).count())


@register(
    "suppliers.circular_economy_actor_count",
    label="Acteurs de l'économie circulaire référencés dans l'annuaire",
    unit=Unit.COUNT,
    reads="Annuaire des acteurs (hors acteurs de démonstration) : types de l'économie circulaire.",
    source="actors",
    stock=True,
)
def circular_economy_actor_count(organisation, years):
    """Nombre d'acteurs réels de l'annuaire (hors démonstration) d'au moins un type de l'économie circulaire
    (réemploi, recyclerie, réparation, déchets), au moment du calcul."""
    from spaser.actors.enums import KindGroup

    return _stock(organisation, years, _actors_with_groups([KindGroup.CIRCULAR]).count())


@register(
    "referentiel.family_coverage_share",
    label="Familles d'achat couvertes par au moins quatre critères ou clauses",
    unit=Unit.PERCENT,
    reads="Référentiel des familles d'achat et des critères et clauses (rattachement direct).",
    source="referentiel",
    stock=True,
)
def family_coverage_share(organisation, years):
    """Nombre de familles d'achat auxquelles au moins quatre éléments du référentiel de critères et de
    clauses sont directement rattachés, divisé par le nombre de familles d'achat, × 100 (au moment du calcul)."""
    from spaser.referentiel.models import Family

    year = timezone.localdate().year
    if year not in years:
        return {}
    row = Family.objects.annotate(items=Count("criteria")).aggregate(
        total=Count("pk"), part=Count("pk", filter=Q(items__gte=4))
    )
    return {year: Result(_share(row["part"], row["total"]), Decimal(row["part"]), Decimal(row["total"]), row["total"])}
