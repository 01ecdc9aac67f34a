"""Public reads. Everything the observatory shows goes through these functions, published records only.

Other apps are read through their models' querysets (published-only filters); their services are never called.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, Sum, Value

from spaser.accounts.models import Organisation
from spaser.contracts.models import Contract
from spaser.referentiel.enums import SpaserStatus
from spaser.referentiel.models import Chantier, Indicator, Spaser, Target
from spaser.strategies.models import ProgrammeEntry


def home_organisation() -> Organisation | None:
    return Organisation.objects.filter(siret=settings.SPASER_ORGANISATION_SIRET).first()


def current_spaser(organisation) -> Spaser | None:
    if organisation is None:
        return None
    return (
        Spaser.objects.of_organisation(organisation)
        .filter(status=SpaserStatus.ADOPTED)
        .order_by("-period_end", "-pk")
        .first()
    )


def published_indicators(organisation):
    """Indicators of the organisation's SPASERs that an administrator made public, in tree order."""
    if organisation is None:
        return Indicator.objects.none()
    return (
        Indicator.objects.of_organisation(organisation)
        .filter(publication__is_public=True, spaser__status=SpaserStatus.ADOPTED)
        .select_related("chantier", "spaser", "publication")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .order_by("spaser", "position", "code")
    )


def published_indicator(organisation, code: str) -> Indicator | None:
    return published_indicators(organisation).filter(code=code).first()


def spaser_overview(spaser: Spaser, indicators) -> list[dict]:
    """Axes → chantiers, each chantier with its published indicators only."""
    by_chantier: dict[int, list] = {}
    for indicator in indicators:
        by_chantier.setdefault(indicator.chantier_id, []).append(indicator)
    chantiers = Chantier.objects.filter(spaser=spaser).select_related("theme__axis").order_by("position", "code")
    axes: dict[int, dict] = {}
    for chantier in chantiers:
        axis = chantier.theme.axis
        key = axis.pk if axis else 0
        entry = axes.setdefault(key, {"axis": axis, "chantiers": []})
        entry["chantiers"].append({"chantier": chantier, "indicators": by_chantier.get(chantier.pk, [])})
    return list(axes.values())


def indicator_states(indicators, organisation, year=None) -> dict:
    """Stored values and statuses of published indicators, by indicator pk (see indicator_values)."""
    from django.utils import timezone

    from spaser.observatory import indicator_values

    return indicator_values.states_by_pk(indicators, organisation, year or timezone.localdate().year)


def has_values(points: list[dict]) -> bool:
    """Whether a trajectory holds a measured value: without one the pages show an empty state, not a chart."""
    return any(point["value"] is not None for point in points)


def no_values_public_note(indicator) -> str:
    """What the public is told about an indicator without any measured value: how its value comes."""
    from spaser.indicators import registry
    from spaser.referentiel.enums import IndicatorMode

    if indicator.mode == IndicatorMode.MANUAL:
        return (
            "Sa valeur est saisie chaque année par l'acheteur public, avec son justificatif : elle paraîtra ici "
            "dès sa saisie."
        )
    definition = registry.get(indicator.computation_key) if indicator.computation_key else None
    if definition is None:
        return "Son calcul n'est pas encore disponible : aucune valeur ne peut encore être publiée."
    return (
        f"Sa valeur sera calculée à partir des données suivantes : {definition.reads.rstrip('.')}. "
        "Elle paraîtra ici dès le premier calcul."
    )


def trajectory(indicator, state=None) -> list[dict]:
    """Baseline, targets, measured values and status, by year.

    `state` comes from indicator_states(); without it the indicator's values are read on their own.
    """
    from spaser.observatory import indicator_values

    if state is None:
        state = indicator_states([indicator], indicator.spaser.organisation).get(indicator.pk)
    points: dict[int, dict] = {}

    def point(year):
        return points.setdefault(
            year,
            {"year": year, "baseline": None, "target": None, "value": None, "status": None, "status_label": ""},
        )

    if indicator.baseline_year and indicator.baseline_value is not None:
        point(indicator.baseline_year)["baseline"] = indicator.baseline_value
    for target in indicator.targets.all():
        point(target.year)["target"] = target.value
    for year, value in indicator_values.values_by_year(state).items():
        point(year)["value"] = value
    for year, entry in points.items():
        if entry["value"] is not None or entry["target"] is not None:
            status = indicator_values.status_for(state, year)
            entry["status"] = status.value if status else None
            entry["status_label"] = status.label if status else ""
    return [points[year] for year in sorted(points)]


# --- Forward procurement plan ---------------------------------------------------------------------------

AMOUNT_BANDS = [
    (Decimal("40000"), "moins de 40 000 € HT"),
    (Decimal("90000"), "de 40 000 à 90 000 € HT"),
    (Decimal("221000"), "de 90 000 à 221 000 € HT"),
    (Decimal("1000000"), "de 221 000 € à 1 M€ HT"),
    (Decimal("5538000"), "de 1 M€ à 5,5 M€ HT"),
]
TOP_BAND = "plus de 5,5 M€ HT"
BAND_KEYS = ["lt40k", "40k-90k", "90k-221k", "221k-1m", "1m-5.5m", "gt5.5m"]


def amount_band(amount) -> str:
    """The public band of an estimated amount: companies never see the exact estimate."""
    for limit, label in AMOUNT_BANDS:
        if amount < limit:
            return label
    return TOP_BAND


def amount_band_key(amount) -> str:
    for index, (limit, _label) in enumerate(AMOUNT_BANDS):
        if amount < limit:
            return BAND_KEYS[index]
    return BAND_KEYS[-1]


def band_range(key: str) -> tuple[Decimal | None, Decimal | None]:
    limits = [None] + [limit for limit, _ in AMOUNT_BANDS] + [None]
    index = BAND_KEYS.index(key)
    return limits[index], limits[index + 1]


def plan_entries(organisation):
    if organisation is None:
        return ProgrammeEntry.objects.none()
    return (
        ProgrammeEntry.objects.of_organisation(organisation)
        .published()
        .select_related("family", "direction")
        .order_by("year", "planned_quarter", "planned_launch_date", "subject", "pk")
    )


def plan_filtered(queryset, data: dict):
    if q := (data.get("q") or "").strip():
        queryset = queryset.filter(subject__icontains=q)
    if year := data.get("year"):
        queryset = queryset.filter(year=year)
    if quarter := data.get("quarter"):
        queryset = queryset.filter(planned_quarter=quarter)
    if family := data.get("family"):
        queryset = queryset.filter(Q(family_id=family) | Q(family__parent_id=family))
    if nature := data.get("nature"):
        queryset = queryset.filter(nature=nature)
    if band := data.get("band"):
        low, high = band_range(band)
        if low is not None:
            queryset = queryset.filter(estimated_amount__gte=low)
        if high is not None:
            queryset = queryset.filter(estimated_amount__lt=high)
    return queryset


# --- Contracts ------------------------------------------------------------------------------------------

SOCIAL = Q(social_clause=True) | Q(social_criterion=True) | Q(social_reserved=True)
ENVIRONMENTAL = Q(environmental_clause=True) | Q(environmental_criterion=True)


def organisation_contracts(organisation):
    if organisation is None:
        return Contract.objects.none()
    return Contract.objects.of_buyer(organisation)


def contract_totals(queryset) -> dict:
    totals = queryset.aggregate(
        count=Count("pk"),
        amount=Sum("initial_amount"),
        published=Count("pk", filter=Q(considerations_published=True)),
        social=Count("pk", filter=SOCIAL),
        environmental=Count("pk", filter=ENVIRONMENTAL),
    )
    totals["social_share"] = _share(totals["social"], totals["published"])
    totals["environmental_share"] = _share(totals["environmental"], totals["published"])
    return totals


def _share(part, whole):
    if not whole:
        return None
    return round(100 * part / whole, 1)


def contract_years(organisation) -> list[int]:
    return sorted(
        {
            date.year
            for date in organisation_contracts(organisation).exclude(notified_on=None).dates("notified_on", "year")
        },
        reverse=True,
    )


def contract_aggregates_by_year(organisation) -> list[dict]:
    """Contract totals per notification year, latest first, in one grouped query."""
    from django.db.models.functions import ExtractYear

    grouped = (
        organisation_contracts(organisation)
        .exclude(notified_on=None)
        .annotate(year=ExtractYear("notified_on"))
        .values("year")
        .annotate(count=Count("pk"), amount=Sum("initial_amount"), **CONSIDERATION_COUNTS)
        .order_by("-year")
    )
    rows = []
    for row in grouped:
        row = dict(row)
        row["social_share"] = _share(row["social"], row["published"])
        row["environmental_share"] = _share(row["environmental"], row["published"])
        rows.append(row)
    return rows


# --- Territory ------------------------------------------------------------------------------------------


@dataclass
class BuyerRow:
    siret: str
    name: str
    kind: str
    kind_label: str
    departement_code: str
    count: int
    amount: Decimal | None
    published: int
    social: int
    environmental: int

    @property
    def social_share(self):
        return _share(self.social, self.published)

    @property
    def environmental_share(self):
        return _share(self.environmental, self.published)


def _territory_contracts(*, region_code: str, year: int | None, kind: str):
    contracts = Contract.objects.filter(Q(place_region__code=region_code) | Q(buyer__region_code=region_code))
    if year:
        contracts = contracts.filter(notified_on__year=year)
    if kind:
        contracts = contracts.filter(buyer__kind=kind)
    return contracts


CONSIDERATION_COUNTS = {
    "published": Count("pk", filter=Q(considerations_published=True)),
    "social": Count("pk", filter=SOCIAL),
    "environmental": Count("pk", filter=ENVIRONMENTAL),
}


def territory_buyers(*, region_code: str, year: int | None = None, kind: str = "") -> list[BuyerRow]:
    """Every public buyer with contracts executed in the region (or located in it), with its indicators.

    One grouped query. Buyers are public bodies: their names and SIRET are public data.
    """
    contracts = _territory_contracts(region_code=region_code, year=year, kind=kind)
    rows = (
        contracts.values("buyer__siret", "buyer__name", "buyer__kind", "buyer__departement_code")
        .annotate(count=Count("pk"), amount=Sum("initial_amount"), **CONSIDERATION_COUNTS)
        .order_by("buyer__kind", "buyer__name", "buyer__siret")
    )
    from spaser.accounts.enums import OrganisationKind

    labels = dict(OrganisationKind.choices)
    return [
        BuyerRow(
            siret=row["buyer__siret"],
            name=row["buyer__name"],
            kind=row["buyer__kind"],
            kind_label=labels.get(row["buyer__kind"], row["buyer__kind"]),
            departement_code=row["buyer__departement_code"],
            count=row["count"],
            amount=row["amount"],
            published=row["published"],
            social=row["social"],
            environmental=row["environmental"],
        )
        for row in rows
    ]


def territory_departements(*, region_code: str, year: int | None = None, kind: str = "") -> dict[str, dict]:
    """The same contracts by département: the place of execution when the data gives it (most DECP buyers do
    not carry their own département), otherwise the buyer's. One grouped query."""
    from django.db.models import F
    from django.db.models.functions import Coalesce, NullIf

    contracts = _territory_contracts(region_code=region_code, year=year, kind=kind)
    rows = (
        contracts.annotate(
            dep=Coalesce(F("place_departement__code"), NullIf(F("buyer__departement_code"), Value("")), Value("?"))
        )
        .values("dep")
        .annotate(count=Count("pk"), **CONSIDERATION_COUNTS)
        .order_by("dep")
    )
    result = {}
    for row in rows:
        entry = {key: row[key] for key in ("count", "published", "social", "environmental")}
        entry["social_share"] = _share(entry["social"], entry["published"])
        entry["environmental_share"] = _share(entry["environmental"], entry["published"])
        result[row["dep"]] = entry
    return result


def region_departement_shapes(region_code: str, codes_seen) -> dict[str, dict]:
    """Outlines of the region's départements (codes from the geographic référentiel); without the référentiel,
    those of the départements the contracts are in."""
    from spaser.geo.models import Departement
    from spaser.observatory import geodata

    shapes = geodata.departements()
    codes = list(Departement.objects.filter(region__code=region_code).values_list("code", flat=True))
    if not codes:
        codes = [code for code in codes_seen if code]
    return {code: shapes[code] for code in sorted(codes) if code in shapes}


def departement_table(shapes: dict, departements: dict[str, dict]) -> list[tuple]:
    """The list beside the map: every département drawn, and every other one the contracts are in, as
    (code, name, counts, drawn on the map)."""
    from spaser.observatory import geodata

    names = geodata.departements()
    empty = {"count": 0, "social_share": None, "environmental_share": None}
    return [
        (code, names.get(code, {}).get("name", ""), departements.get(code) or empty, code in shapes)
        for code in sorted(set(shapes) | set(departements))
    ]


MAP_MEASURES = {
    "social": ("social_share", "Part des marchés avec une considération sociale"),
    "environmental": ("environmental_share", "Part des marchés avec une considération environnementale"),
}
