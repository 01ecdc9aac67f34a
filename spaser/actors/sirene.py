"""ESS companies from the INSEE SIRENE stock files (flag `economieSocialeSolidaireUniteLegale = O`).

Both files are read by column name and streamed (the national files are several GB): the legal units keep
only active, publicly diffusible ESS units that are not sole traders (personal data); the establishment
file, when given, brings the head office's address and commune. Rows are in the shape of `loaders`.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from spaser.actors import services
from spaser.actors.enums import SourceKind

SOLE_TRADER = "1000"  # catégorie juridique "entrepreneur individuel": a person, not shown


def _open(path: Path):
    import gzip

    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def ess_units(path: Path) -> dict[str, dict]:
    """SIREN → unit row, for active, diffusible, non-sole-trader units flagged ESS."""
    units = {}
    with _open(path) as handle:
        for row in csv.DictReader(handle):
            if (
                row.get("economieSocialeSolidaireUniteLegale") == "O"
                and row.get("etatAdministratifUniteLegale") == "A"
                and row.get("statutDiffusionUniteLegale") == "O"
                and row.get("categorieJuridiqueUniteLegale") != SOLE_TRADER
            ):
                units[row["siren"]] = row
    return units


def head_offices(path: Path, units: dict[str, dict]) -> dict[str, dict]:
    """SIREN → head-office establishment row (one pass over the establishment file)."""
    wanted = {siren + (row.get("nicSiegeUniteLegale") or "") for siren, row in units.items()}
    found = {}
    with _open(path) as handle:
        for row in csv.DictReader(handle):
            if row.get("siret") in wanted:
                found[row["siren"]] = row
    return found


def read_sirene(units_path: Path, establishments_path: Path | None = None, *, departements=()) -> Iterator[tuple]:
    units = ess_units(units_path)
    offices = head_offices(establishments_path, units) if establishments_path else {}
    naf_rules = services.naf_family_rules()
    for siren, unit in units.items():
        office = offices.get(siren, {})
        commune_code = office.get("codeCommuneEtablissement", "")
        if departements and not any(commune_code.startswith(code) for code in departements):
            continue
        street = " ".join(
            part
            for part in (
                office.get("numeroVoieEtablissement", ""),
                office.get("indiceRepetitionEtablissement", ""),
                office.get("typeVoieEtablissement", ""),
                office.get("libelleVoieEtablissement", ""),
            )
            if part
        )
        name = unit.get("denominationUniteLegale") or unit.get("denominationUsuelle1UniteLegale") or ""
        nic = unit.get("nicSiegeUniteLegale") or ""
        yield (
            f"siren-{siren}",
            {
                "name": name.strip(),
                "siret": siren + nic if len(siren + nic) == 14 else "",
                "address": street,
                "postcode": office.get("codePostalEtablissement", ""),
                "city": office.get("libelleCommuneEtablissement", ""),
                "commune_code": commune_code,
                "kinds": ["ess"],
                "families": services.families_of_naf(unit.get("activitePrincipaleUniteLegale", ""), naf_rules),
            },
            {"unite_legale": unit, "etablissement": office},
        )


def sirene_source(data_date: dt.date) -> dict:
    return {
        "code": f"sirene-ess-{data_date:%Y%m%d}",
        "name": f"Répertoire SIRENE – entreprises de l'ESS (stock du {data_date:%d/%m/%Y})",
        "kind": SourceKind.SIRENE,
        "publisher": "INSEE",
        "url": "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/",
        "licence": "Licence Ouverte 2.0",
        "data_date": data_date,
        "note": "Unités actives, diffusibles, hors entrepreneurs individuels, marquées ESS par l'INSEE.",
    }
