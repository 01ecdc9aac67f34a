"""CSV (UTF-8, streamed) and XLSX exports of a search, in the order of the list (distance, then name)."""

from spaser.core.exports import csv_stream, xlsx_export

COLUMNS = [
    ("id", "Identifiant SPASER", lambda a: a.pk),
    ("nom", "Nom", lambda a: a.name),
    ("siret", "SIRET", lambda a: a.siret),
    ("types", "Types", lambda a: " | ".join(kind.label for kind in a.kinds.all())),
    ("adresse", "Adresse", lambda a: a.address),
    ("code_postal", "Code postal", lambda a: a.postcode),
    ("commune", "Commune", lambda a: a.commune.name if a.commune else a.city),
    ("code_insee", "Code INSEE", lambda a: a.commune.code if a.commune else ""),
    ("latitude", "Latitude", lambda a: a.latitude),
    ("longitude", "Longitude", lambda a: a.longitude),
    ("distance_km", "Distance (km)", lambda a: None if a.distance_km is None else round(a.distance_km, 2)),
    ("site", "Site internet", lambda a: a.website),
    ("demonstration", "Acteur de démonstration (fictif)", lambda a: "oui" if a.is_demo else "non"),
    (
        "sources",
        "Sources (licence, date)",
        lambda a: " | ".join(
            f"{r.source.name} ({r.source.licence}, {r.source.data_date or 'sans date'})" for r in a.records.all()
        ),
    ),
]


def csv_rows(actors):
    """Yields encoded CSV lines: header, then one line per row."""
    return csv_stream(COLUMNS, actors)


def xlsx_bytes(actors) -> bytes:
    return xlsx_export(COLUMNS, actors, title="Acteurs")
