"""Published DECP labels → enumeration values.

A label is matched after a generic normalisation (case, accents, ligatures, punctuation), so
``"ACCORD-CADRE"``, ``"accord cadre"`` and ``"Accord-cadre"`` are the same value. Labels that this cannot
map (legacy wording of format 1.4, non-standard identifier types) come from
``spaser/imports/corrections/decp_values.csv``: data fixes are data, not code (style.md R8).
Pure module: no database, no Django settings.
"""

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from spaser.contracts import enums

CORRECTIONS_DIR = Path(__file__).resolve().parent.parent / "corrections"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

VOCABULARIES = {
    "nature": enums.Nature,
    "procedure": enums.Procedure,
    "technique": enums.Technique,
    "execution_modality": enums.ExecutionModality,
    "ccag": enums.Ccag,
    "grouping": enums.Grouping,
    "price_form": enums.PriceForm,
    "price_type": enums.PriceType,
    "identifier_type": enums.IdentifierType,
    "place_type": enums.PlaceType,
    "social_consideration": enums.SocialConsideration,
    "environmental_consideration": enums.EnvironmentalConsideration,
    "price_variation": enums.PriceVariation,
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_label(text: str) -> str:
    """Lower case, no accent, ligatures expanded, punctuation collapsed to one space."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text.lower()).strip()


@cache
def _correction_rows() -> list[dict[str, str]]:
    with open(CORRECTIONS_DIR / "decp_values.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        field, value = row["field"], row["value"]
        if field not in VOCABULARIES or value not in VOCABULARIES[field].values or row["official"] not in ("0", "1"):
            raise ValueError(f"decp_values.csv : correction invalide {row!r}")
    return rows


@cache
def corrections() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {name: {} for name in VOCABULARIES}
    for row in _correction_rows():
        table[row["field"]][normalise_label(row["published"])] = row["value"]
    return table


@cache
def official_labels(field: str) -> frozenset[str]:
    """Published strings that are the official wording of a value (no anomaly): the labels of the enumeration
    (the arrêtés' wording), the values themselves where they are the published codes (SIRET, TVA...), and the
    rows of ``decp_values.csv`` marked official (a wording of the other kind of contract)."""
    choices = VOCABULARIES[field]
    official = {label for _, label in choices.choices} | set(choices.values)
    official.update(row["published"] for row in _correction_rows() if row["field"] == field and row["official"] == "1")
    return frozenset(official)


@cache
def lookup_table(field: str) -> dict[str, str]:
    choices = VOCABULARIES[field]
    table = {normalise_label(label): value for value, label in choices.choices}
    table.update({normalise_label(value): value for value in choices.values})
    table.update(corrections()[field])
    return table


class Vocabulary:
    """Fast label lookup with caches of published strings (labels repeat a lot): ``exact`` holds only official
    wordings (their readers need no anomaly), ``variants`` every other string met, mapped or not (None)."""

    def __init__(self, field: str):
        self.field = field
        self.table = lookup_table(field)
        self.official = official_labels(field)
        self.exact: dict[str, str] = {}
        self.variants: dict[str, str | None] = {}

    def __call__(self, published: str) -> str | None:
        value = self.exact.get(published)
        if value is not None:
            return value
        try:
            return self.variants[published]
        except KeyError:
            value = self.table.get(normalise_label(published))
            cache = self.exact if value is not None and published in self.official else self.variants
            if len(cache) < 10_000:
                cache[published] = value
            return value


@cache
def date_rewrites() -> list[tuple[re.Pattern, str]]:
    with open(CORRECTIONS_DIR / "decp_dates.csv", encoding="utf-8", newline="") as handle:
        return [(re.compile(row["pattern"]), row["replacement"]) for row in csv.DictReader(handle)]


@cache
def cpv_codes() -> dict[str, str]:
    """8-digit CPV code → code with its check digit, from the EU nomenclature."""
    codes = {}
    with open(DATA_DIR / "cpv_codes.txt", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                codes[line[:8]] = line
    return codes
