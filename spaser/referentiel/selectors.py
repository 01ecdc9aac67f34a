"""Reads used by several views and by other apps (contract import calls resolve_family / resolve_families)."""

from collections.abc import Iterable

from django.db.models import Prefetch

from spaser.referentiel import cpv as cpv_nomenclature
from spaser.referentiel.loaders.families_file import resolve_with_rules
from spaser.referentiel.loaders.numbers import plain_number
from spaser.referentiel.loaders.spaser_file import FORMAT
from spaser.referentiel.models import (
    Chantier,
    CpvRule,
    Criterion,
    Family,
    Indicator,
    Spaser,
    Theme,
)


def resolve_family(cpv: str) -> Family | None:
    """The purchase family of a CPV code (longest matching prefix rule), or None if the code is unreadable."""
    code8 = cpv_nomenclature.normalise(cpv)
    if code8 is None:
        return None
    prefixes = [code8[:length] for length in range(2, 9)]
    rule = (
        CpvRule.objects.filter(prefix__in=prefixes)
        .select_related("family")
        .order_by("-prefix")  # a longer prefix of the same code sorts after its shorter ones
        .first()
    )
    return rule.family if rule else None


def resolve_families(cpv_codes: Iterable[str]) -> dict[str, Family | None]:
    """Bulk variant of resolve_family: one query, whatever the number of codes. Keys are the codes as given."""
    rules = {rule.prefix: rule.family for rule in CpvRule.objects.select_related("family")}
    rule_codes = {prefix: family.code for prefix, family in rules.items()}
    families = {family.code: family for family in rules.values()}
    result = {}
    for raw in cpv_codes:
        code8 = cpv_nomenclature.normalise(raw)
        family_code = resolve_with_rules(code8, rule_codes) if code8 else None
        result[raw] = families.get(family_code) if family_code else None
    return result


def spaser_tree(spaser: Spaser) -> list[Theme]:
    """Themes with their chantiers and indicators, in order, in a fixed number of queries."""
    indicators = Indicator.objects.order_by("position", "code").prefetch_related("targets")
    chantiers = Chantier.objects.order_by("position", "code").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    return list(
        spaser.themes.select_related("axis")
        .order_by("position", "code")
        .prefetch_related(Prefetch("chantiers", queryset=chantiers))
    )


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def spaser_export_data(spaser: Spaser) -> dict:
    """The canonical dict of the SPASER file format (the loader's output for the same content)."""
    indicators = Indicator.objects.order_by("position", "code").prefetch_related("targets")
    chantiers = Chantier.objects.order_by("position", "code").prefetch_related(
        "directions", "milestones", Prefetch("indicators", queryset=indicators)
    )
    themes = (
        spaser.themes.select_related("axis")
        .order_by("position", "code")
        .prefetch_related(Prefetch("chantiers", queryset=chantiers))
    )
    return {
        "format": FORMAT,
        "spaser": _drop_empty(
            {
                "code": spaser.code,
                "title": spaser.title,
                "organisation": spaser.organisation.siret,
                "period_start": spaser.period_start,
                "period_end": spaser.period_end,
                "version": spaser.version,
                "status": spaser.status,
                "description": spaser.description,
            }
        ),
        "axes": [
            _drop_empty({"code": axis.code, "title": axis.title, "description": axis.description})
            for axis in spaser.axes.order_by("position", "code")
        ],
        "themes": [
            _drop_empty(
                {
                    "code": theme.code,
                    "axis": theme.axis.code if theme.axis else None,
                    "title": theme.title,
                    "description": theme.description,
                    "chantiers": [_chantier_data(chantier) for chantier in theme.chantiers.all()],
                }
            )
            for theme in themes
        ],
    }


def _chantier_data(chantier: Chantier) -> dict:
    return _drop_empty(
        {
            "code": chantier.code,
            "title": chantier.title,
            "description": chantier.description,
            "pilot": chantier.pilot,
            "status": chantier.status,
            "directions": [{"name": item.name, "role": item.role} for item in chantier.directions.all()],
            "milestones": [
                {"label": item.label, "due_date": item.due_date, "done": item.done}
                for item in chantier.milestones.all()
            ],
            "indicators": [_indicator_data(indicator) for indicator in chantier.indicators.all()],
        }
    )


def _indicator_data(indicator: Indicator) -> dict:
    baseline = None
    if indicator.baseline_year is not None:
        baseline = {"value": plain_number(indicator.baseline_value), "year": indicator.baseline_year}
    return _drop_empty(
        {
            "code": indicator.code,
            "label": indicator.label,
            "definition": indicator.definition,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "scope": indicator.scope,
            "mode": indicator.mode,
            "computation_key": indicator.computation_key,
            "baseline": baseline,
            "targets": [
                {"year": target.year, "value": plain_number(target.value)}
                for target in sorted(indicator.targets.all(), key=lambda target: target.year)
            ],
            "proof": indicator.proof,
        }
    )


def criteria_filtered(*, family: Family | None = None, dimension="", kind="", search=""):
    queryset = Criterion.objects.all()
    if family is not None:
        queryset = queryset.for_family(family)
    if dimension:
        queryset = queryset.filter(dimension=dimension)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.search(search).prefetch_related("families").order_by("position", "code")


def family_choices(*, with_rules: bool = False) -> list[Family]:
    """Families in tree order (roots followed by their children), each with its `depth`."""
    queryset = Family.objects.select_related("parent").order_by("position", "code")
    if with_rules:
        queryset = queryset.prefetch_related("cpv_rules")
    families = list(queryset)
    children: dict[int | None, list[Family]] = {}
    for family in families:
        children.setdefault(family.parent_id, []).append(family)
    ordered = []

    def walk(parent_id, depth):
        for family in children.get(parent_id, []):
            family.depth = depth
            ordered.append(family)
            walk(family.pk, depth + 1)

    walk(None, 0)
    return ordered
