"""CSV (UTF-8, streamed) and XLSX exports of a search, in the order of the list (distance, then name)."""

import csv
import io

from openpyxl import Workbook

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


def _cell(value):
    return "" if value is None else value


def csv_rows(actors):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data.encode("utf-8")

    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    writer.writerow([key for key, _, _ in COLUMNS])
    yield flush()
    for actor in actors:
        writer.writerow([_cell(getter(actor)) for _, _, getter in COLUMNS])
        yield flush()


def xlsx_bytes(actors) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Acteurs")
    sheet.append([label for _, label, _ in COLUMNS])
    for actor in actors:
        sheet.append([_cell(getter(actor)) for _, _, getter in COLUMNS])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
