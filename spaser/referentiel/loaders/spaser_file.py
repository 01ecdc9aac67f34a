"""The SPASER file (format spaser/1): validation into the canonical dict that export_spaser also produces."""

from spaser.referentiel.enums import (
    ChantierStatus,
    DirectionRole,
    ImprovementDirection,
    IndicatorMode,
    SpaserStatus,
)
from spaser.referentiel.loaders.numbers import plain_number
from spaser.referentiel.loaders.yamlio import Checker, read_yaml

FORMAT = "spaser/1"
YEAR_RANGE = {"minimum": 1990, "maximum": 2100}

TOP_KEYS = {"format", "spaser", "axes", "themes"}
SPASER_KEYS = {"code", "title", "organisation", "period_start", "period_end", "version", "status", "description"}
AXIS_KEYS = {"code", "title", "description"}
THEME_KEYS = {"code", "axis", "title", "description", "chantiers"}
CHANTIER_KEYS = {"code", "title", "description", "pilot", "status", "directions", "milestones", "indicators"}
INDICATOR_KEYS = {
    "code",
    "label",
    "definition",
    "unit",
    "direction",
    "scope",
    "mode",
    "computation_key",
    "baseline",
    "targets",
    "proof",
}


def _drop_empty(data: dict) -> dict:
    """Canonical form: optional keys with no value are left out (export does the same)."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def load_spaser_file(path) -> dict:
    tree = read_yaml(path)
    return validate_spaser(tree, file=getattr(path, "name", str(path)))


def validate_spaser(tree, *, file: str) -> dict:
    check = Checker(file)
    root = check.mapping(tree, "(racine)")
    check.raise_if_any()
    check.keys(root, TOP_KEYS, "")
    file_format = check.string(root, "format", "")
    if file_format and file_format != FORMAT:
        check.error(check.line_of(root, "format"), "format", f"format « {file_format} » inconnu (attendu : {FORMAT})")

    meta = check.mapping(root.get("spaser"), "spaser", root.line)
    spaser = {}
    if meta is not None:
        check.keys(meta, SPASER_KEYS, "spaser")
        spaser = {
            "code": check.string(meta, "code", "spaser", max_length=50),
            "title": check.string(meta, "title", "spaser", max_length=255),
            "organisation": check.string(meta, "organisation", "spaser", max_length=14),
            "period_start": check.integer(meta, "period_start", "spaser", **YEAR_RANGE),
            "period_end": check.integer(meta, "period_end", "spaser", **YEAR_RANGE),
            "version": check.string(meta, "version", "spaser", max_length=50),
            "status": check.choice(meta, "status", "spaser", SpaserStatus.values),
            "description": check.string(meta, "description", "spaser", required=False),
        }
        start, end = spaser["period_start"], spaser["period_end"]
        if start and end and start > end:
            check.error(
                check.line_of(meta, "period_end"), "spaser.period_end", "la fin précède le début de la période"
            )
        spaser = _drop_empty(spaser)

    axes, axis_codes = [], set()
    for index, line, item in check.items(root, "axes", "", required=True):
        field = f"axes[{index}]"
        axis = check.mapping(item, field, line)
        if axis is None:
            continue
        check.keys(axis, AXIS_KEYS, field)
        code = check.string(axis, "code", field, max_length=20)
        if code in axis_codes:
            check.error(check.line_of(axis, "code"), f"{field}.code", f"code d'axe « {code} » en double")
        axis_codes.add(code)
        axes.append(
            _drop_empty(
                {
                    "code": code,
                    "title": check.string(axis, "title", field, max_length=255),
                    "description": check.string(axis, "description", field, required=False),
                }
            )
        )

    themes = []
    seen = {"theme": set(), "chantier": set(), "indicator": set()}
    for index, line, item in check.items(root, "themes", "", required=True):
        field = f"themes[{index}]"
        theme = check.mapping(item, field, line)
        if theme is None:
            continue
        check.keys(theme, THEME_KEYS, field)
        code = check.string(theme, "code", field, max_length=20)
        _unique(check, seen["theme"], code, theme, field, "thématique")
        axis_code = check.string(theme, "axis", field, required=False)
        if axis_code and axis_code not in axis_codes:
            check.error(check.line_of(theme, "axis"), f"{field}.axis", f"axe « {axis_code} » inconnu")
        chantiers = [
            _chantier(check, chantier_item, f"{field}.chantiers[{chantier_index}]", chantier_line, seen)
            for chantier_index, chantier_line, chantier_item in check.items(theme, "chantiers", field)
        ]
        themes.append(
            _drop_empty(
                {
                    "code": code,
                    "axis": axis_code,
                    "title": check.string(theme, "title", field, max_length=255),
                    "description": check.string(theme, "description", field, required=False),
                    "chantiers": [chantier for chantier in chantiers if chantier is not None],
                }
            )
        )
    check.raise_if_any()
    return {"format": FORMAT, "spaser": spaser, "axes": axes, "themes": themes}


def _unique(check, seen, code, mapping, field, what):
    if code and code in seen:
        check.error(check.line_of(mapping, "code"), f"{field}.code", f"code de {what} « {code} » en double")
    seen.add(code)


def _chantier(check, item, field, line, seen):
    chantier = check.mapping(item, field, line)
    if chantier is None:
        return None
    check.keys(chantier, CHANTIER_KEYS, field)
    code = check.string(chantier, "code", field, max_length=20)
    _unique(check, seen["chantier"], code, chantier, field, "chantier")
    directions = []
    for index, direction_line, direction_item in check.items(chantier, "directions", field):
        direction_field = f"{field}.directions[{index}]"
        direction = check.mapping(direction_item, direction_field, direction_line)
        if direction is None:
            continue
        check.keys(direction, {"name", "role"}, direction_field)
        directions.append(
            {
                "name": check.string(direction, "name", direction_field, max_length=255),
                "role": check.choice(direction, "role", direction_field, DirectionRole.values),
            }
        )
    milestones = []
    for index, milestone_line, milestone_item in check.items(chantier, "milestones", field):
        milestone_field = f"{field}.milestones[{index}]"
        milestone = check.mapping(milestone_item, milestone_field, milestone_line)
        if milestone is None:
            continue
        check.keys(milestone, {"label", "due_date", "done"}, milestone_field)
        milestones.append(
            {
                "label": check.string(milestone, "label", milestone_field, max_length=255),
                "due_date": check.date(milestone, "due_date", milestone_field),
                "done": check.boolean(milestone, "done", milestone_field),
            }
        )
    indicators = []
    for index, indicator_line, indicator_item in check.items(chantier, "indicators", field):
        indicator = _indicator(check, indicator_item, f"{field}.indicators[{index}]", indicator_line, seen)
        if indicator is not None:
            indicators.append(indicator)
    return _drop_empty(
        {
            "code": code,
            "title": check.string(chantier, "title", field, max_length=255),
            "description": check.string(chantier, "description", field, required=False),
            "pilot": check.string(chantier, "pilot", field, required=False, max_length=255),
            "status": check.choice(chantier, "status", field, ChantierStatus.values),
            "directions": directions,
            "milestones": milestones,
            "indicators": indicators,
        }
    )


def _indicator(check, item, field, line, seen):
    indicator = check.mapping(item, field, line)
    if indicator is None:
        return None
    check.keys(indicator, INDICATOR_KEYS, field)
    code = check.string(indicator, "code", field, max_length=30)
    _unique(check, seen["indicator"], code, indicator, field, "indicateur")
    mode = check.choice(indicator, "mode", field, IndicatorMode.values)
    computation_key = check.string(indicator, "computation_key", field, required=False, max_length=100)
    if mode == IndicatorMode.COMPUTED and not computation_key:
        check.error(indicator.line, f"{field}.computation_key", "un indicateur calculé doit avoir une clé de calcul")
    if mode == IndicatorMode.MANUAL and computation_key:
        check.error(
            check.line_of(indicator, "computation_key"),
            f"{field}.computation_key",
            "un indicateur saisi (manual) n'a pas de clé de calcul",
        )
    baseline = None
    if indicator.get("baseline") is not None:
        baseline_field = f"{field}.baseline"
        baseline_map = check.mapping(indicator["baseline"], baseline_field, check.line_of(indicator, "baseline"))
        if baseline_map is not None:
            check.keys(baseline_map, {"value", "year"}, baseline_field)
            baseline = {
                "value": plain_number(check.decimal(baseline_map, "value", baseline_field)),
                "year": check.integer(baseline_map, "year", baseline_field, **YEAR_RANGE),
            }
    targets, years = [], set()
    for index, target_line, target_item in check.items(indicator, "targets", field):
        target_field = f"{field}.targets[{index}]"
        target = check.mapping(target_item, target_field, target_line)
        if target is None:
            continue
        check.keys(target, {"year", "value"}, target_field)
        year = check.integer(target, "year", target_field, **YEAR_RANGE)
        if year is not None and year in years:
            check.error(check.line_of(target, "year"), f"{target_field}.year", f"deux cibles pour l'année {year}")
        years.add(year)
        targets.append({"year": year, "value": plain_number(check.decimal(target, "value", target_field))})
    return _drop_empty(
        {
            "code": code,
            "label": check.string(indicator, "label", field, max_length=255),
            "definition": check.string(indicator, "definition", field, required=False),
            "unit": check.string(indicator, "unit", field, max_length=30),
            "direction": check.choice(indicator, "direction", field, ImprovementDirection.values),
            "scope": check.string(indicator, "scope", field, required=False, max_length=255),
            "mode": mode,
            "computation_key": computation_key,
            "baseline": baseline,
            "targets": sorted(targets, key=lambda target: target["year"] or 0),
            "proof": check.string(indicator, "proof", field, required=False, max_length=255),
        }
    )
