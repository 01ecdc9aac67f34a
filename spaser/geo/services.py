"""Loading of the geographic reference (COG communes, La Poste postcodes and centroids)."""

import csv
import gzip
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from spaser.geo.models import Commune, Departement, PostalCode, Region

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
COG_FILE = DATA_DIR / "cog_communes_france.csv.gz"
POSTCODE_FILE = DATA_DIR / "laposte_hexasmal_france_2022.csv.gz"


@dataclass
class GeoLoadStats:
    regions: int = 0
    departements: int = 0
    communes: int = 0
    postcodes: int = 0
    skipped_postcodes: int = 0


def _open_text(path: Path):
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


@transaction.atomic
def geo_load_reference(*, cog_file: Path = COG_FILE, postcode_file: Path = POSTCODE_FILE) -> GeoLoadStats:
    """Create or update regions, departements, communes and postcodes. Idempotent."""
    stats = GeoLoadStats()
    regions, departements, communes = {}, {}, {}
    with _open_text(cog_file) as handle:
        for row in csv.DictReader(handle):
            regions[row["region_code"]] = row["region_nom"]
            departements[row["departement_code"]] = (row["departement_nom"], row["region_code"])
            communes[row["commune_code"]] = (row["commune_nom"], row["departement_code"])

    points = defaultdict(list)
    postcodes = set()
    with _open_text(postcode_file) as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            code = row["Code_commune_INSEE"]
            if code not in communes:
                stats.skipped_postcodes += 1  # commune merged since 2022: its postcode row has no COG match
                continue
            postcodes.add((row["Code_postal"].zfill(5), code))
            try:
                points[code].append((float(row["latitude"]), float(row["longitude"])))
            except (TypeError, ValueError):
                pass

    region_ids = _upsert(Region, {code: {"name": name} for code, name in regions.items()})
    stats.regions = len(region_ids)
    departement_ids = _upsert(
        Departement,
        {code: {"name": name, "region_id": region_ids[region]} for code, (name, region) in departements.items()},
    )
    stats.departements = len(departement_ids)
    commune_values = {}
    for code, (name, departement) in communes.items():
        coords = points.get(code)
        latitude = round(sum(p[0] for p in coords) / len(coords), 6) if coords else None
        longitude = round(sum(p[1] for p in coords) / len(coords), 6) if coords else None
        commune_values[code] = {
            "name": name,
            "departement_id": departement_ids[departement],
            "latitude": latitude,
            "longitude": longitude,
        }
    commune_ids = _upsert(Commune, commune_values)
    stats.communes = len(commune_ids)

    existing = set(PostalCode.objects.values_list("code", "commune_id"))
    wanted = {(code, commune_ids[commune]) for code, commune in postcodes}
    PostalCode.objects.bulk_create(
        [PostalCode(code=code, commune_id=commune_id) for code, commune_id in wanted - existing], batch_size=2000
    )
    stats.postcodes = len(wanted)
    logger.info("Référentiel géographique chargé : %s", stats)
    return stats


def _upsert(model, values_by_code: dict[str, dict]) -> dict[str, int]:
    existing = {obj.code: obj for obj in model.objects.all()}
    to_create, to_update = [], []
    fields = set()
    for code, values in values_by_code.items():
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(code=code, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=2000)
    return dict(model.objects.values_list("code", "pk"))
