"""Trajectories towards targets, the status of an indicator for a year, and the roll-up of statuses.

Pure functions over plain values, so that the rules can be tested at their boundaries without a database.
"""

from dataclasses import dataclass
from decimal import Decimal

from spaser.indicators.enums import Status

STATUS_RULE = (
    "Trajectoire : droite entre la valeur de référence (à défaut, la première valeur mesurée) et chaque "
    "cible, de cible en cible (jalons), puis la dernière cible. Statut d'un indicateur pour une année : "
    "« atteint » si la valeur atteint la cible en cours (la première cible de l'année ou d'après, sinon la "
    "dernière) ; « en bonne voie » si elle atteint la valeur attendue sur la trajectoire ; « en retard » "
    "sinon ; « sans donnée » sans valeur pour l'année. Atteindre veut dire être supérieur ou égal pour un "
    "indicateur à la hausse, inférieur ou égal pour un indicateur à la baisse. Un indicateur sans cible n'a pas "
    "de statut. Chantier, thématique et axe prennent le statut le plus défavorable de leurs éléments qui ont "
    "une donnée (en retard, puis en bonne voie, puis atteint) ; « sans donnée » si aucun n'en a."
)

PERIOD_RULE = (
    "Sur une période du SPASER (2023-2025 pour le bilan à mi-parcours, 2023-2027 pour toute la période), un "
    "indicateur calculé prend sa valeur sur l'ensemble des marchés ou fiches de la période (par exemple la part "
    "des marchés notifiés de 2023 à 2025 avec une considération environnementale). Cette valeur est « atteinte » "
    "si elle atteint la cible en cours à la dernière année de la période ; « en bonne voie » si elle atteint la "
    "moyenne des valeurs attendues sur la trajectoire pour les années de la période (une valeur cumulée se "
    "compare à la moyenne de la trajectoire, pas à son point final) ; « en retard » sinon. Un indicateur saisi "
    "ou mesuré comme un stock n'a pas de valeur de période : il prend le statut de la dernière année de la "
    "période. Chantier, thématique et axe se consolident ensuite comme pour une année."
)

# From the most to the least favourable: the roll-up keeps the last one found in this order.
SEVERITY = {Status.REACHED: 0, Status.ON_TRACK: 1, Status.LATE: 2}


@dataclass(frozen=True)
class Point:
    year: int
    value: Decimal


def trajectory_points(*, baseline: Point | None, targets: list[Point], first_measure: Point | None = None):
    """The points the trajectory goes through: the start (baseline, else first measure) then the targets."""
    targets = sorted(targets, key=lambda point: point.year)
    start = baseline or first_measure
    if start is not None and targets and start.year < targets[0].year:
        return [start, *targets]
    return targets


def expected_value(points: list[Point], year: int) -> Decimal | None:
    """The value expected on the trajectory for ``year``: linear between two points, flat after the last."""
    if not points or year < points[0].year:
        return None
    for before, after in zip(points, points[1:], strict=False):
        if before.year <= year <= after.year:
            if after.year == before.year:
                return after.value
            ratio = Decimal(year - before.year) / Decimal(after.year - before.year)
            return before.value + (after.value - before.value) * ratio
    return points[-1].value


def current_target(targets: list[Point], year: int) -> Point | None:
    targets = sorted(targets, key=lambda point: point.year)
    for target in targets:
        if target.year >= year:
            return target
    return targets[-1] if targets else None


def _reaches(value: Decimal, goal: Decimal, decreasing: bool) -> bool:
    return value <= goal if decreasing else value >= goal


def indicator_status(*, value, year, targets, points, decreasing=False) -> Status | None:
    """Status of a value for ``year``; None when the indicator has no target (nothing to compare with). A
    period of one year: the target in force that year, the value expected on the trajectory that year."""
    return period_status(
        value=value, first_year=year, last_year=year, targets=targets, points=points, decreasing=decreasing
    )


def mean_expected(points: list[Point], first_year: int, last_year: int) -> Decimal | None:
    """The mean of the values expected on the trajectory for the years of a period that has some."""
    expected = [expected_value(points, year) for year in range(first_year, last_year + 1)]
    expected = [value for value in expected if value is not None]
    if not expected:
        return None
    return sum(expected, Decimal(0)) / len(expected)


def period_status(*, value, first_year, last_year, targets, points, decreasing=False) -> Status | None:
    """Status of a value counted over a whole period (first_year to last_year): the target in force at its
    last year for « atteint », the mean of the trajectory over its years for « en bonne voie »."""
    if not targets:
        return None
    if value is None:
        return Status.NO_DATA
    target = current_target(targets, last_year)
    if _reaches(value, target.value, decreasing):
        return Status.REACHED
    expected = mean_expected(points, first_year, last_year)
    if expected is not None and _reaches(value, expected, decreasing):
        return Status.ON_TRACK
    return Status.LATE


def roll_up(statuses) -> Status:
    """The least favourable status among those with data; NO_DATA when none has data."""
    known = [status for status in statuses if status in SEVERITY]
    if not known:
        return Status.NO_DATA
    return max(known, key=SEVERITY.__getitem__)


def progress(statuses) -> int | None:
    """Percentage of elements with data that are reached or on track (None when none has data)."""
    known = [status for status in statuses if status in SEVERITY]
    if not known:
        return None
    good = sum(1 for status in known if status in (Status.REACHED, Status.ON_TRACK))
    return round(100 * good / len(known))
