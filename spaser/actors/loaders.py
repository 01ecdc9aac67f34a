"""Readers of the real lists shipped in `data/` (see data/PROVENANCE.md): each row → (external id, values, raw).

Readers are pure (no database): `values` uses the keys of `services.merged_values`; natures are "axis:code".
"""

import csv
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from spaser.actors import services
from spaser.actors.enums import AreaKind, SourceKind
from spaser.core.validators import luhn_is_valid

logger = logging.getLogger(__name__)
DATA_DIR = services.DATA_DIR

Row = tuple[str, dict, dict]


def clean_siret(value: str) -> str:
    """A valid SIRET or "". FINESS lost leading zeros: "8628031000102" is kept as 08628031000102 only if the
    Luhn key of the padded value holds (real example: ESAT 410008036 of the ESAT list)."""
    digits = "".join(str(value or "").split())
    if not digits.isdigit():
        return ""
    if len(digits) == 13:
        digits = digits.zfill(14)
    return digits if len(digits) == 14 and luhn_is_valid(digits) else ""


def _float(value) -> float | None:
    try:
        return float(str(value).replace(",", ".")) if str(value or "").strip() else None
    except ValueError:
        return None


def _read(path: Path, delimiter=",") -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def read_siae(path: Path, naf_rules: dict) -> Iterator[Row]:
    for raw in _read(path):
        yield (
            f"marche-{raw['marche_pk']}",
            {
                "name": (raw["brand"] or raw["name"]).strip(),
                "siret": clean_siret(raw["siret"]),
                "address": raw["address"].strip(),
                "postcode": raw["post_code"].strip(),
                "city": raw["city"].strip(),
                "departement": raw["department"].strip(),
                "latitude": _float(raw["latitude"]),
                "longitude": _float(raw["longitude"]),
                "website": raw["website"].strip(),
                "description": raw["description"].strip(),
                "kinds": [raw["kind"].strip().lower()],
                "families": services.families_of_naf(raw["naf"], naf_rules),
            },
            raw,
        )


def read_esat(path: Path) -> Iterator[Row]:
    for raw in _read(path):
        yield (
            f"finess-{raw['ET-N°FINESS'].strip().zfill(9)}",
            {
                "name": raw["ET-Raison sociale"].strip(),
                "siret": clean_siret(raw["ET-SIRET"]),
                "address": " ".join(raw["ET-Adresse"].split()),
                "postcode": raw["ET-Code Postal"].strip().zfill(5),
                "city": raw["ET-Commune Libellé"].strip(),
                "commune_code": raw["ET-Commune Code"].strip().zfill(5),
                "kinds": ["esat"],
            },
            raw,
        )


def read_geiq(path: Path, naf_rules: dict) -> Iterator[Row]:
    for raw in _read(path):
        address = ", ".join(part.strip() for part in (raw["ADRESSE"], raw["COMPLEMENT ADRESSE"]) if part.strip())
        yield (
            f"siret-{raw['SIRET'].strip()}",
            {
                "name": raw["GEIQ"].strip(),
                "siret": clean_siret(raw["SIRET"]),
                "address": address,
                "postcode": raw["CODE POSTAL"].strip(),
                "city": raw["VILLE"].strip(),
                "kinds": ["geiq"],
                "families": services.families_of_naf(raw["NAF"], naf_rules),
            },
            raw,
        )


def reuse_correspondences(path: Path) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    return {
        (row["column"], row["value"]): (
            [code for code in row["kinds"].split(";") if code],
            [code for code in row["natures"].split(";") if code],
        )
        for row in _read(path)
    }


def read_reuse(path: Path, correspondences: dict, nature_rules: dict) -> Iterator[Row]:
    """The circular-economy import model: status, activities and product categories map to kinds and natures."""
    for raw in _read(path):
        kinds, natures, unknown = set(), set(), []
        for column in ("Statut_structure", "Activite_structure", "Categorie_produits"):
            for value in (part.strip() for part in raw[column].split(";")):
                if not value:
                    continue
                if (column, value) not in correspondences:
                    unknown.append(f"{column} = {value}")
                    continue
                more_kinds, more_natures = correspondences[(column, value)]
                kinds.update(more_kinds)
                natures.update(more_natures)
        families = {family for key in natures for family in nature_rules.get(key, [])}
        zone = raw["Zone_intervention"].lower()
        values = {
            "name": raw["Nom_structure"].strip(),
            "siret": clean_siret(raw["SIRET"]),
            "address": raw["Adresse"].strip(),
            "city": raw["Ville"].strip(),
            "departement": raw["Departement"].split("-")[0].strip(),
            "latitude": _float(raw["Latitude"]),
            "longitude": _float(raw["Longitude"]),
            "website": raw["Site_internet"].strip(),
            "description": raw["Presentation"].strip(),
            "kinds": sorted(kinds),
            "natures": sorted(natures),
            "families": sorted(families),
            "area_kind": AreaKind.NATIONAL if zone.startswith("nationale") else "",
        }
        if unknown:
            logger.warning("Valeurs sans correspondance dans %s : %s", path.name, unknown)
        yield f"siret-{raw['SIRET'].strip()}", values, raw


def read_demo(path: Path) -> Iterator[Row]:
    for raw in _read(path):
        yield (
            raw["id"],
            {
                "name": raw["name"],
                "address": raw["address"],
                "commune_code": raw["commune_code"],
                "description": raw["description"],
                "kinds": raw["kinds"].split(";"),
                "natures": [code for code in raw["natures"].split(";") if code],
                "families": [code for code in raw["families"].split(";") if code],
                "area_kind": AreaKind.RADIUS,
                "area_radius_km": int(raw["radius_km"]),
            },
            raw,
        )


def builtin_sources(data_dir: Path = DATA_DIR) -> list[dict]:
    """The real lists (and, in demo mode, the fictitious actors) with their licence and date."""
    naf_rules = services.naf_family_rules(data_dir=data_dir)
    nature_rules = services.nature_family_rules(data_dir=data_dir)
    return [
        {
            "code": "lemarche-siae-cvl-2021",
            "name": "SIAE et GEIQ de Centre-Val de Loire (le marché de l'inclusion)",
            "kind": SourceKind.OPEN_DATA,
            "publisher": "GIP Plateforme de l'inclusion, données ASP",
            "url": "https://github.com/gip-inclusion/le-marche",
            "licence": "Données publiques ASP (le dépôt source n'a pas de fichier de licence)",
            "data_date": dt.date(2021, 2, 1),
            "note": "Données ASP de décembre 2019 mises à jour en février 2021 : des structures ont pu fermer ou "
            "apparaître depuis.",
            "rows": lambda: read_siae(data_dir / "cvl_siae_lemarche_fixture_2021.csv", naf_rules),
        },
        {
            "code": "finess-esat-cvl",
            "name": "ESAT de Centre-Val de Loire (FINESS, liste officielle)",
            "kind": SourceKind.OPEN_DATA,
            "publisher": "DREES – FINESS, via la Plateforme de l'inclusion",
            "url": "https://github.com/gip-inclusion/pilotage-airflow",
            "licence": "Licence Ouverte 2.0 (FINESS)",
            "data_date": dt.date(2025, 1, 1),
            "note": "Extraction datée d'environ 2025 ; 5 établissements sans SIRET.",
            "rows": lambda: read_esat(data_dir / "cvl_esat_finess_liste_officielle.csv"),
        },
        {
            "code": "lesemplois-geiq-cvl-2019",
            "name": "GEIQ de Centre-Val de Loire (les emplois de l'inclusion)",
            "kind": SourceKind.OPEN_DATA,
            "publisher": "GIP Plateforme de l'inclusion",
            "url": "https://github.com/gip-inclusion/les-emplois",
            "licence": "Données publiques (export des emplois de l'inclusion)",
            "data_date": dt.date(2019, 11, 21),
            "note": "",
            "rows": lambda: read_geiq(data_dir / "cvl_geiq_2019-11.csv", naf_rules),
        },
        {
            "code": "achats-reemploi-poc-cvl",
            "name": "Acteurs du réemploi pour les acheteurs publics (preuve de concept)",
            "kind": SourceKind.OPEN_DATA,
            "publisher": "planification-ecologique/achats-reemploi",
            "url": "https://github.com/planification-ecologique/achats-reemploi",
            "licence": "Non précisée par le projet (données dites illustratives)",
            "data_date": dt.date(2026, 9, 16),
            "note": "Deux lignes régionales ; leurs colonnes servent de modèle aux imports de l'économie circulaire.",
            "rows": lambda: read_reuse(
                data_dir / "cvl_acteurs_reemploi_spaser_poc.csv",
                reuse_correspondences(data_dir / "reemploi_correspondances.csv"),
                nature_rules,
            ),
        },
    ]


DEMO_SOURCE = {
    "code": "demonstration",
    "name": "Acteurs de démonstration (fictifs)",
    "kind": SourceKind.DEMO,
    "publisher": "SPASER",
    "url": "",
    "licence": "Données fictives",
    "data_date": None,
    "note": "Acteurs inventés pour montrer les types absents des listes réelles (Scop, ressourcerie, producteurs…).",
}


@transaction.atomic
def builtin_load(*, demo: bool, data_dir: Path = DATA_DIR) -> dict[str, tuple[int, int]]:
    """Loads the real lists (and the demonstration actors if `demo`); returns per source (rows, created)."""
    services.taxonomy_load(data_dir=data_dir)
    index = services.ActorIndex()
    stats = {}
    sources = builtin_sources(data_dir)
    if demo:
        sources.append({**DEMO_SOURCE, "rows": lambda: read_demo(data_dir / "demo_actors.csv")})
    for spec in sources:
        spec = dict(spec)
        rows = spec.pop("rows")
        # The official lists are public data: published by default (an agent may withdraw one from the sources
        # page); the fictitious demonstration actors are not.
        source = services.source_ensure(**spec, published_when_created=spec["kind"] == SourceKind.OPEN_DATA)
        count = created = 0
        for external_id, values, raw in rows():
            _, is_new = services.record_apply(
                source=source,
                external_id=external_id,
                values=values,
                raw=raw,
                index=index,
                is_demo=source.is_demo,
            )
            count += 1
            created += is_new
        stats[source.name] = (count, created)
    return stats
