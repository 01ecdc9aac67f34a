"""The registry of computed indicators.

Each indicator is a function ``f(organisation, years) -> {year: Result}`` registered under a computation key
(the ``computation_key`` of the référentiel's indicators). Its docstring is its formula in French, shown to
the reader on the indicator page. Every function runs one aggregate SQL query grouped by year (no Python
loop over rows), so a full recompute stays fast on a million contracts.

Each definition also says which records it counted (``records``): the drill-down lists the very contracts or
forms of the denominator, with a flag telling whether each one is in the numerator.
"""

from collections.abc import Callable
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
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from spaser.indicators.enums import Unit

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

    @property
    def formula(self) -> str:
        return " ".join((self.compute.__doc__ or "").split())

    def records(self, organisation, year):
        """The records of the denominator for ``year``, annotated with ``counted`` (in the numerator)."""
        if self.denominator is None:
            return None
        queryset = self.denominator(organisation, year)
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


REGISTRY: dict[str, Definition] = {}


def register(
    key, *, label, unit, reads, source, numerator_q=None, denominator=None, stock=False, share=None, holder=None
):
    def decorator(function):
        REGISTRY[key] = Definition(
            share=share,
            holder=holder,
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


def notified_markets(organisation, years):
    """Markets (not concessions) of the buyer notified in ``years`` (the PNAD shares add ``PUBLISHED``)."""
    from spaser.contracts.enums import ContractKind
    from spaser.contracts.models import Contract

    start, end = _year_bounds(years)
    return Contract.objects.filter(
        buyer=organisation,
        kind=ContractKind.MARKET,
        notified_on__gte=start,
        notified_on__lt=end,
    )


def _markets_of_year(organisation, year):
    return notified_markets(organisation, [year])


def _by_year(queryset, date_field, years, **aggregates):
    rows = queryset.annotate(period=ExtractYear(date_field)).values("period").annotate(**aggregates).order_by()
    return {row["period"]: row for row in rows if row["period"] in years}


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


def compute_holder_shares(organisation, years, definitions) -> dict[str, dict[int, Result]]:
    """The same results as each holder definition's own function, in two queries instead of one per share.

    An inner query groups the initial holders by contract with one 0/1 flag per holder family (MAX over
    the holders); an outer query sums the flags and amounts by year. Denominators come from one aggregate.
    """
    from django.db import connection
    from django.db.models import Case, IntegerField, Max, When

    from spaser.contracts.models import ContractHolder

    conditions = _holder_conditions(organisation)
    families = sorted({definition.holder[0] for definition in definitions})
    start, end = _year_bounds(years)
    inner = (
        ContractHolder.objects.filter(
            is_initial=True,
            contract__in=notified_markets(organisation, years).values("pk"),
        )
        .values("contract_id")
        .annotate(
            period=ExtractYear("contract__notified_on"),
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
    sql, params = inner.query.sql_with_params()
    columns = ", ".join(
        f"SUM(f_{family}), SUM(CASE WHEN f_{family} = 1 AND amount IS NOT NULL THEN amount ELSE 0 END)"
        for family in families
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT period, {columns} FROM ({sql}) AS flags GROUP BY period", params)  # noqa: S608
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
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
)
def distinct_holders(organisation, years):
    """Nombre d'entreprises distinctes (SIREN, ou identifiant étranger) titulaires initiales d'au moins un
    marché notifié dans l'année."""
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
    return validated_forms(organisation, [year])


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
    denominator=lambda organisation, year: _programme(organisation, [year]),
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
