"""Outlines of the départements for the territory map, from the data file shipped in `data/` (see PROVENANCE.md).

The file is built once from the shared geographic data by

    .venv/bin/python -m spaser.observatory.geodata /work/shared/data/geo/departements-version-simplifiee.geojson

which keeps the outlines of every metropolitan département (already simplified at the source, topology kept),
rounded to 0.001° (about 100 m, under a pixel at the scale of a region), without consecutive duplicates.
"""

import gzip
import json
import sys
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "departements.json.gz"
SOURCE = {
    "title": "Contours simplifiés des départements de France métropolitaine",
    "origin": "gregoiredavid/france-geojson, departements-version-simplifiee.geojson (IGN Admin Express COG 2018)",
    "licence": "Licence Ouverte 2.0",
}


@lru_cache(maxsize=1)
def departements() -> dict[str, dict]:
    """{code: {"name": ..., "polygons": [[ring, ...], ...]}} where a ring is a list of (longitude, latitude)."""
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as stream:
        return json.load(stream)["departements"]


def _round_ring(ring: list) -> list:
    points = []
    for lon, lat, *_rest in ring:
        point = [round(lon, 3), round(lat, 3)]
        if not points or points[-1] != point:
            points.append(point)
    return points


def build(source: Path) -> dict:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    result = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        result[feature["properties"]["code"]] = {
            "name": feature["properties"]["nom"],
            "polygons": [[_round_ring(ring) for ring in polygon] for polygon in polygons],
        }
    return {"source": SOURCE, "departements": dict(sorted(result.items()))}


if __name__ == "__main__":  # pragma: no cover - run by hand to rebuild the data file
    document = build(Path(sys.argv[1]))
    with gzip.open(DATA_FILE, "wt", encoding="utf-8", compresslevel=9) as stream:
        json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(document['departements'])} départements écrits dans {DATA_FILE}")
