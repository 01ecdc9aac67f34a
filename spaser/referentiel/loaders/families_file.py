"""The purchase families file: families, their parents, and CPV prefix rules covering the whole nomenclature."""

import re

from spaser.referentiel import cpv
from spaser.referentiel.enums import Nature
from spaser.referentiel.loaders.yamlio import Checker, read_yaml

FAMILY_KEYS = {"code", "label", "nature", "parent", "description", "cpv_prefixes", "legacy_cpv_prefixes"}
PREFIX = re.compile(r"^[0-9]{2,8}$")


def load_families_file(path) -> dict:
    return validate_families(read_yaml(path), file=getattr(path, "name", str(path)))


def validate_families(tree, *, file: str, require_full_coverage: bool = True) -> dict:
    check = Checker(file)
    root = check.mapping(tree, "(racine)")
    check.raise_if_any()
    check.keys(root, {"version", "families"}, "")
    version = check.string(root, "version", "", max_length=50)
    families, lines, rules = [], {}, {}
    for index, line, item in check.items(root, "families", "", required=True):
        field = f"families[{index}]"
        family = check.mapping(item, field, line)
        if family is None:
            continue
        check.keys(family, FAMILY_KEYS, field)
        code = check.string(family, "code", field, max_length=50)
        if code in lines:
            check.error(check.line_of(family, "code"), f"{field}.code", f"code de famille « {code} » en double")
        lines[code] = (family, field)
        prefixes = _prefixes(check, family, "cpv_prefixes", field, line, rules, code, legacy=False)
        legacy = _prefixes(check, family, "legacy_cpv_prefixes", field, line, rules, code, legacy=True)
        families.append(
            {
                "code": code,
                "label": check.string(family, "label", field, max_length=255),
                "nature": check.choice(family, "nature", field, Nature.values),
                "parent": check.string(family, "parent", field, required=False, max_length=50),
                "description": check.string(family, "description", field, required=False),
                "cpv_prefixes": prefixes,
                "legacy_cpv_prefixes": legacy,
            }
        )
    by_code = {family["code"]: family for family in families}
    for family in families:
        parent = family["parent"]
        source, field = lines[family["code"]]
        if not parent:
            continue
        if parent not in by_code:
            check.error(check.line_of(source, "parent"), f"{field}.parent", f"famille parente « {parent} » inconnue")
            continue
        seen, current = {family["code"]}, parent
        while current:
            if current in seen:
                check.error(check.line_of(source, "parent"), f"{field}.parent", "la hiérarchie des familles boucle")
                break
            seen.add(current)
            current = by_code.get(current, {}).get("parent")
    if require_full_coverage and not check.problems:
        uncovered = sorted({code[:2] for code in cpv.nomenclature() if resolve_with_rules(code, rules) is None})
        if uncovered:
            check.error(
                root.key_lines.get("families", root.line),
                "families.cpv_prefixes",
                f"divisions CPV sans famille : {', '.join(uncovered)} (ajouter une famille par défaut)",
            )
    check.raise_if_any()
    return {"version": version, "families": families}


def resolve_with_rules(code8: str, rules: dict[str, str]) -> str | None:
    """Longest matching prefix wins."""
    for length in range(8, 1, -1):
        family = rules.get(code8[:length])
        if family is not None:
            return family
    return None


def _prefixes(check, family, key, field, line, rules, code, *, legacy):
    """Prefix rules of one family; a legacy prefix must match no CPV 2008 code, a current one at least one."""
    prefixes = []
    raw_prefixes = family.get(key) or []
    for prefix_index, prefix in enumerate(raw_prefixes):
        prefix_line = raw_prefixes.item_lines[prefix_index] if hasattr(raw_prefixes, "item_lines") else line
        prefix_field = f"{field}.{key}[{prefix_index}]"
        if not isinstance(prefix, str):
            check.error(prefix_line, prefix_field, 'un préfixe CPV s\'écrit entre guillemets (ex. "09")')
            continue
        if not PREFIX.match(prefix):
            check.error(prefix_line, prefix_field, f"« {prefix} » n'est pas un préfixe CPV (2 à 8 chiffres)")
            continue
        if prefix in rules:
            check.error(prefix_line, prefix_field, f"préfixe « {prefix} » déjà attribué à {rules[prefix]}")
            continue
        exists = any(cpv_code.startswith(prefix) for cpv_code in cpv.nomenclature())
        if legacy and exists:
            check.error(prefix_line, prefix_field, f"« {prefix} » existe en CPV 2008 : le mettre dans cpv_prefixes")
            continue
        if not legacy and not exists:
            check.error(prefix_line, prefix_field, f"aucun code CPV ne commence par « {prefix} »")
            continue
        rules[prefix] = code
        prefixes.append(prefix)
    return prefixes
