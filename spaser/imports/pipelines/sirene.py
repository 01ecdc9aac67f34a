"""INSEE SIRENE stock files (StockUniteLegale, StockEtablissement): streamed CSV → values for suppliers.

Pure (no database). Columns are read by name, never by position (the order of the establishment file is
not certain: shared/data/reference/SIRENE_FIELDS.md). The national files are several GB: rows are read
one by one, and the caller keeps only those of the suppliers it knows.
"""

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from spaser.suppliers.enums import HEADCOUNT_BANDS, UNDER_TEN_BANDS, CompanyCategory

UNITS = "units"
ESTABLISHMENTS = "establishments"
_CATEGORIES = {"PME": CompanyCategory.PME, "ETI": CompanyCategory.ETI, "GE": CompanyCategory.GE}
HIDDEN_NAME = "[non diffusible]"


class SireneFormatError(Exception):
    pass


def open_csv(path: Path):
    path = Path(path)
    with open(path, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if compressed else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def detect(header: list[str]) -> str:
    if "siret" in header and "codeCommuneEtablissement" in header:
        return ESTABLISHMENTS
    if "siren" in header and "categorieEntreprise" in header:
        return UNITS
    raise SireneFormatError(
        "En-tête inconnu : ni StockUniteLegale (siren, categorieEntreprise…) ni StockEtablissement "
        "(siret, codeCommuneEtablissement…)."
    )


def iter_rows(path: Path) -> tuple[str, Iterator[dict]]:
    """(kind, rows) of a SIRENE stock file; the file stays open while the rows are consumed."""
    handle = open_csv(path)
    reader = csv.DictReader(handle)
    try:
        if not reader.fieldnames:
            raise SireneFormatError("Fichier vide.")
        kind = detect(reader.fieldnames)
    except BaseException:
        handle.close()
        raise

    def rows():
        with handle:
            yield from reader

    return kind, rows()


def _band(value: str) -> str:
    value = (value or "").strip()
    return value if value in HEADCOUNT_BANDS else ""


def unit_values(row: dict) -> dict:
    """Supplier fields from a StockUniteLegale row."""
    band = _band(row.get("trancheEffectifsUniteLegale"))
    category = _CATEGORIES.get((row.get("categorieEntreprise") or "").strip(), "")
    if band in UNDER_TEN_BANDS and category in ("", CompanyCategory.PME):
        category = CompanyCategory.TPE  # fewer than 10 employees
    year = (row.get("anneeCategorieEntreprise") or "").strip()
    ess = (row.get("economieSocialeSolidaireUniteLegale") or "").strip()
    name = (row.get("denominationUniteLegale") or "").strip()
    if not name:
        if (row.get("statutDiffusionUniteLegale") or "O").strip() != "O":
            name = HIDDEN_NAME  # a person who asked not to be listed: no personal data shown
        else:
            first = (row.get("prenomUsuelUniteLegale") or row.get("prenom1UniteLegale") or "").strip()
            last = (row.get("nomUsageUniteLegale") or row.get("nomUniteLegale") or "").strip()
            name = f"{first} {last}".strip()
    state = (row.get("etatAdministratifUniteLegale") or "").strip()
    return {
        "name": name[:255],
        "legal_form": (row.get("categorieJuridiqueUniteLegale") or "").strip()[:4],
        "is_ess": True if ess == "O" else False if ess == "N" else None,
        "category": category,
        "category_year": int(year) if year.isdigit() else None,
        "headcount_band": band,
        "naf_code": (row.get("activitePrincipaleUniteLegale") or "").strip()[:6],
        "is_active": True if state == "A" else False if state == "C" else None,
    }


def establishment_values(row: dict) -> dict:
    """Establishment fields from a StockEtablissement row (commune as an INSEE code, resolved later)."""
    state = (row.get("etatAdministratifEtablissement") or "").strip()
    head = (row.get("etablissementSiege") or "").strip().lower()
    name = (row.get("enseigne1Etablissement") or row.get("denominationUsuelleEtablissement") or "").strip()
    if (row.get("statutDiffusionEtablissement") or "O").strip() != "O":
        name = ""
    return {
        "name": name[:255],
        "commune_code": (row.get("codeCommuneEtablissement") or "").strip(),
        "postcode": (row.get("codePostalEtablissement") or "").strip()[:5],
        "headcount_band": _band(row.get("trancheEffectifsEtablissement")),
        "is_head_office": True if head == "true" else False if head == "false" else None,
        "is_active": True if state == "A" else False if state == "F" else None,
    }
