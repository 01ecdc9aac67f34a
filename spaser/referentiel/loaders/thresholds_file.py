"""The thresholds-and-dates file: amounts by period, buyer kind and nature, and the obligations they trigger."""

import re

from spaser.referentiel.enums import AmountOperator, BuyerKind, ContractNature, LegalStatus
from spaser.referentiel.loaders.numbers import plain_number
from spaser.referentiel.loaders.yamlio import Checker, read_yaml

CODE = re.compile(r"^[a-z][a-z0-9_]*$")
THRESHOLD_KEYS = {"code", "label", "buyer_kinds", "natures", "amount", "valid_from", "valid_to", "legal_basis"}
THRESHOLD_KEYS |= {"status", "note"}
OBLIGATION_KEYS = {"code", "label", "natures", "effective_from", "amount_condition", "legal_basis", "status", "note"}


def load_thresholds_file(path) -> dict:
    return validate_thresholds(read_yaml(path), file=getattr(path, "name", str(path)))


def _code(check, mapping, field):
    code = check.string(mapping, "code", field, max_length=50)
    if code and not CODE.match(code):
        check.error(check.line_of(mapping, "code"), f"{field}.code", "code en minuscules, chiffres et « _ »")
    return code


def _enum_list(check, mapping, key, field, choices):
    values = []
    for value, line in check.string_list(mapping, key, field, required=True):
        if value not in choices:
            check.error(line, f"{field}.{key}", f"valeur « {value} » inconnue (attendu : {', '.join(choices)})")
        elif value not in values:
            values.append(value)
    return values


def validate_thresholds(tree, *, file: str) -> dict:
    check = Checker(file)
    root = check.mapping(tree, "(racine)")
    check.raise_if_any()
    check.keys(root, {"version", "thresholds", "obligations"}, "")
    version = check.string(root, "version", "", max_length=50)
    thresholds = []
    for index, line, raw in check.items(root, "thresholds", "", required=True):
        field = f"thresholds[{index}]"
        item = check.mapping(raw, field, line)
        if item is None:
            continue
        check.keys(item, THRESHOLD_KEYS, field)
        amount = check.decimal(item, "amount", field)
        if amount is not None and amount < 0:
            check.error(check.line_of(item, "amount"), f"{field}.amount", "un montant est positif")
        valid_from = check.date(item, "valid_from", field)
        valid_to = check.date(item, "valid_to", field, required=False)
        if valid_from and valid_to and valid_to < valid_from:
            check.error(check.line_of(item, "valid_to"), f"{field}.valid_to", "la fin précède le début")
        entry = {
            "code": _code(check, item, field),
            "label": check.string(item, "label", field, max_length=255),
            "buyer_kinds": _enum_list(check, item, "buyer_kinds", field, BuyerKind.values),
            "natures": _enum_list(check, item, "natures", field, ContractNature.values),
            "amount": plain_number(amount),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "legal_basis": check.string(item, "legal_basis", field),
            "status": check.choice(item, "status", field, LegalStatus.values),
            "note": check.string(item, "note", field, required=False),
        }
        for other, other_line in thresholds:
            if _overlap(entry, other):
                check.error(line, field, f"chevauche le seuil « {other['code']} » de la ligne {other_line}")
                break
        thresholds.append((entry, line))
    threshold_codes = {entry["code"] for entry, _ in thresholds}
    obligations, obligation_codes = [], set()
    for index, line, raw in check.items(root, "obligations", ""):
        field = f"obligations[{index}]"
        item = check.mapping(raw, field, line)
        if item is None:
            continue
        check.keys(item, OBLIGATION_KEYS, field)
        code = _code(check, item, field)
        if code in obligation_codes:
            check.error(check.line_of(item, "code"), f"{field}.code", f"code « {code} » en double")
        obligation_codes.add(code)
        condition = None
        if item.get("amount_condition") is not None:
            condition_field = f"{field}.amount_condition"
            raw_condition = check.mapping(
                item["amount_condition"], condition_field, check.line_of(item, "amount_condition")
            )
            if raw_condition is not None:
                check.keys(raw_condition, {"operator", "threshold"}, condition_field)
                condition = {
                    "operator": check.choice(raw_condition, "operator", condition_field, AmountOperator.values),
                    "threshold": check.string(raw_condition, "threshold", condition_field),
                }
                if condition["threshold"] and condition["threshold"] not in threshold_codes:
                    check.error(
                        check.line_of(raw_condition, "threshold"),
                        f"{condition_field}.threshold",
                        f"seuil « {condition['threshold']} » inconnu",
                    )
        entry = {
            "code": code,
            "label": check.string(item, "label", field, max_length=255),
            "natures": _enum_list(check, item, "natures", field, ContractNature.values),
            "effective_from": check.date(item, "effective_from", field, required=False),
            "amount_condition": condition,
            "legal_basis": check.string(item, "legal_basis", field),
            "status": check.choice(item, "status", field, LegalStatus.values),
            "note": check.string(item, "note", field, required=False),
        }
        obligations.append({key: value for key, value in entry.items() if value not in (None, "")})
    check.raise_if_any()
    return {
        "version": version,
        "thresholds": [
            {key: value for key, value in entry.items() if value not in (None, "")} for entry, _ in thresholds
        ],
        "obligations": obligations,
    }


def _overlap(first, second) -> bool:
    if first["code"] != second["code"]:
        return False
    if not set(first["buyer_kinds"]) & set(second["buyer_kinds"]) or not set(first["natures"]) & set(
        second["natures"]
    ):
        return False
    if not first["valid_from"] or not second["valid_from"]:
        return False
    first_end, second_end = first["valid_to"], second["valid_to"]
    return (second_end is None or first["valid_from"] <= second_end) and (
        first_end is None or second["valid_from"] <= first_end
    )
