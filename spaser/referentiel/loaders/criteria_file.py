"""The criteria and clauses référentiel file."""

from spaser.referentiel.enums import Ambition, Dimension, ItemKind, LegalStatus, Obligation
from spaser.referentiel.loaders.yamlio import Checker, read_yaml

ITEM_KEYS = {
    "code",
    "title",
    "kind",
    "dimension",
    "obligation",
    "legal_basis",
    "legal_status",
    "caveat",
    "families",
    "weighting",
    "wording",
    "verification",
    "proof",
    "chantier",
    "ambition",
}


def load_criteria_file(path, *, family_codes, chantier_codes=None) -> dict:
    return validate_criteria(
        read_yaml(path),
        file=getattr(path, "name", str(path)),
        family_codes=family_codes,
        chantier_codes=chantier_codes,
    )


def validate_criteria(tree, *, file: str, family_codes, chantier_codes=None) -> dict:
    """`family_codes`: the known families; `chantier_codes`: the known chantiers, or None to skip that check."""
    check = Checker(file)
    root = check.mapping(tree, "(racine)")
    check.raise_if_any()
    check.keys(root, {"version", "items"}, "")
    version = check.string(root, "version", "", max_length=50)
    items, codes = [], set()
    for index, line, raw in check.items(root, "items", "", required=True):
        field = f"items[{index}]"
        item = check.mapping(raw, field, line)
        if item is None:
            continue
        check.keys(item, ITEM_KEYS, field)
        code = check.string(item, "code", field, max_length=50)
        if code in codes:
            check.error(check.line_of(item, "code"), f"{field}.code", f"code « {code} » en double")
        codes.add(code)
        kind = check.choice(item, "kind", field, ItemKind.values)
        obligation = check.choice(item, "obligation", field, Obligation.values)
        legal_basis = check.string(item, "legal_basis", field, required=obligation == Obligation.LEGAL)
        legal_status = check.choice(item, "legal_status", field, LegalStatus.values)
        caveat = check.string(item, "caveat", field, required=False)
        if legal_status == LegalStatus.UNVERIFIED and not caveat:
            check.error(item.line, f"{field}.caveat", "un fait non vérifié doit être signalé dans « caveat »")
        if legal_status == LegalStatus.UNVERIFIED and obligation == Obligation.LEGAL:
            check.error(
                check.line_of(item, "obligation"),
                f"{field}.obligation",
                "un fondement non vérifié ne peut pas être présenté comme une obligation légale",
            )
        families = []
        for family_code, family_line in check.string_list(item, "families", field, required=True):
            if family_code not in family_codes:
                check.error(family_line, f"{field}.families", f"famille d'achat « {family_code} » inconnue")
            elif family_code in families:
                check.error(family_line, f"{field}.families", f"famille « {family_code} » citée deux fois")
            else:
                families.append(family_code)
        if "families" in item and not families and not check.problems:
            check.error(check.line_of(item, "families"), f"{field}.families", "au moins une famille est attendue")
        weighting = _weighting(check, item, field, kind)
        chantier = check.string(item, "chantier", field, required=False, max_length=20)
        if chantier and chantier_codes is not None and chantier not in chantier_codes:
            check.error(check.line_of(item, "chantier"), f"{field}.chantier", f"chantier « {chantier} » inconnu")
        entry = {
            "code": code,
            "title": check.string(item, "title", field, max_length=255),
            "kind": kind,
            "dimension": check.choice(item, "dimension", field, Dimension.values),
            "obligation": obligation,
            "legal_basis": legal_basis,
            "legal_status": legal_status,
            "caveat": caveat,
            "families": families,
            "weighting": weighting,
            "wording": check.string(item, "wording", field),
            "verification": check.string(item, "verification", field, required=False),
            "proof": check.string(item, "proof", field, required=False),
            "chantier": chantier,
            "ambition": check.choice(item, "ambition", field, Ambition.values),
        }
        items.append({key: value for key, value in entry.items() if value not in (None, "")})
    check.raise_if_any()
    return {"version": version, "items": items}


def _weighting(check, item, field, kind):
    if item.get("weighting") is None:
        return None
    weighting_field = f"{field}.weighting"
    weighting = check.mapping(item["weighting"], weighting_field, check.line_of(item, "weighting"))
    if weighting is None:
        return None
    check.keys(weighting, {"min", "max"}, weighting_field)
    if kind and kind != ItemKind.AWARD_CRITERION:
        check.error(check.line_of(item, "weighting"), weighting_field, "une pondération ne vaut que pour un critère")
    low = check.integer(weighting, "min", weighting_field, minimum=0, maximum=100)
    high = check.integer(weighting, "max", weighting_field, minimum=0, maximum=100)
    if low is not None and high is not None and low > high:
        check.error(check.line_of(weighting, "min"), f"{weighting_field}.min", f"min ({low}) supérieur à max ({high})")
        return None
    return {"min": low, "max": high}
