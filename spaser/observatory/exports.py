"""Open data: the published datasets, their formats (CSV UTF-8, JSON, XLSX) and the forward plan's feeds.

Each dataset's columns come from its Table Schema in `schemas/` (the single source of truth): the export
writes exactly the schema's fields, in its order, and tests validate every export with frictionless.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from spaser.core.exports import xlsx_cell
from spaser.observatory import selectors
from spaser.referentiel.models import Chantier, Criterion

SCHEMAS_DIR = Path(__file__).parent / "schemas"
LICENCE = {
    "name": "Licence Ouverte 2.0",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
FORMATS = {"csv", "json", "xlsx"}
# The administrator's switch (config/settings): until it is on, the catalogue says the datasets are not open
# and no dataset is served. Off by default, like every publication of the observatory.
OPEN_DATA_SETTING = "SPASER_OPEN_DATA_PUBLISH"


def open_data_published() -> bool:
    from django.conf import settings

    return bool(getattr(settings, OPEN_DATA_SETTING, False))


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# --- Row builders --------------------------------------------------------------------------------------


def indicator_rows(organisation) -> list[dict]:
    rows = []
    indicators = list(selectors.published_indicators(organisation))
    states = selectors.indicator_states(indicators, organisation)
    for indicator in indicators:
        for point in selectors.trajectory(indicator, states.get(indicator.pk)):
            for kind in ("baseline", "target", "value"):
                if point.get(kind) is None:
                    continue
                rows.append(
                    {
                        "spaser": indicator.spaser.code,
                        "chantier": indicator.chantier.code,
                        "code": indicator.code,
                        "libelle": indicator.label,
                        "unite": indicator.unit,
                        "annee": point["year"],
                        "nature_valeur": {"baseline": "reference", "target": "cible", "value": "mesure"}[kind],
                        "valeur": point[kind],
                        "statut": (point["status"] or "") if kind == "value" else "",
                    }
                )
    return rows


def contract_rows(organisation) -> Iterable[dict]:
    contracts = (
        selectors.organisation_contracts(organisation)
        .select_related("family", "buyer")
        .order_by("notified_on", "external_id", "pk")
    )
    for contract in contracts.iterator(chunk_size=2000):
        yield {
            "id": contract.external_id,
            "acheteur_siret": contract.buyer_siret,
            "acheteur_nom": contract.buyer.name,
            "type": contract.kind,
            "objet": contract.object,
            "nature": contract.nature,
            "procedure": contract.procedure,
            "cpv": contract.cpv,
            "famille": contract.family.code if contract.family else "",
            "date_notification": contract.notified_on,
            "montant_initial": contract.initial_amount,
            "duree_mois": contract.duration_months,
            "lieu_code": contract.place_code,
            "considerations_publiees": contract.considerations_published,
            "clause_sociale": contract.social_clause,
            "critere_social": contract.social_criterion,
            "marche_reserve": contract.social_reserved,
            "clause_environnementale": contract.environmental_clause,
            "critere_environnemental": contract.environmental_criterion,
        }


def spaser_tree_rows(organisation) -> list[dict]:
    spaser = selectors.current_spaser(organisation)
    if spaser is None:
        return []
    indicators_by_chantier: dict[int, list[str]] = {}
    for indicator in selectors.published_indicators(organisation).filter(spaser=spaser):
        indicators_by_chantier.setdefault(indicator.chantier_id, []).append(indicator.code)
    rows = []
    chantiers = Chantier.objects.filter(spaser=spaser).select_related("theme__axis").order_by("position", "code")
    for chantier in chantiers:
        axis = chantier.theme.axis
        rows.append(
            {
                "spaser": spaser.code,
                "spaser_titre": spaser.title,
                "periode_debut": spaser.period_start,
                "periode_fin": spaser.period_end,
                "axe": axis.code if axis else "",
                "axe_titre": axis.title if axis else "",
                "thematique": chantier.theme.code,
                "thematique_titre": chantier.theme.title,
                "chantier": chantier.code,
                "chantier_titre": chantier.title,
                "chantier_etat": chantier.status,
                "indicateurs_publies": " ".join(indicators_by_chantier.get(chantier.pk, [])),
            }
        )
    return rows


def criteria_rows(organisation=None) -> list[dict]:
    return [
        {
            "code": criterion.code,
            "intitule": criterion.title,
            "type": criterion.kind,
            "dimension": criterion.dimension,
            "caractere": criterion.obligation,
            "fondement": criterion.legal_basis,
            "ponderation_min": criterion.weighting_min,
            "ponderation_max": criterion.weighting_max,
            "redaction_type": criterion.wording,
            "chantier": criterion.chantier_code,
            "ambition": criterion.ambition,
        }
        for criterion in Criterion.objects.order_by("position", "code")
    ]


def plan_rows(entries) -> list[dict]:
    return [
        {
            "annee": entry.year,
            "objet": entry.subject,
            "famille": entry.family.code if entry.family else "",
            "famille_libelle": entry.family.label if entry.family else "",
            "nature": entry.nature,
            "tranche_montant": selectors.amount_band(entry.estimated_amount),
            "trimestre_prevu": entry.planned_quarter,
            "lancement_prevu": entry.planned_launch_date,
            "direction": entry.direction.name if entry.direction else "",
            "reconduction": entry.is_renewal,
        }
        for entry in entries
    ]


# --- Datasets ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    builder: Callable
    updated: Callable | None = None

    @property
    def schema_path(self) -> Path:
        return SCHEMAS_DIR / f"{self.slug}.json"

    @cached_property
    def schema(self) -> dict:
        return json.loads(self.schema_path.read_text(encoding="utf-8"))

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.schema["fields"]]

    def rows(self, organisation):
        return self.builder(organisation)


def _plan_dataset_rows(organisation):
    return plan_rows(selectors.plan_entries(organisation))


DATASETS = {
    dataset.slug: dataset
    for dataset in [
        Dataset(
            "indicateurs",
            "Indicateurs publiés du SPASER",
            "Valeur de référence, cibles et valeurs mesurées par année des indicateurs que l'organisation publie.",
            indicator_rows,
        ),
        Dataset(
            "marches",
            "Marchés de l'organisation et leurs considérations sociales et environnementales",
            "Marchés publiés dans les données essentielles (DECP) où l'organisation est acheteur, sans les "
            "titulaires.",
            contract_rows,
        ),
        Dataset(
            "spaser",
            "Arborescence du SPASER",
            "Axes, thématiques et chantiers du schéma adopté, avec les codes des indicateurs publiés.",
            spaser_tree_rows,
        ),
        Dataset(
            "criteres",
            "Référentiel des critères et clauses d'achat responsable",
            "Critères d'attribution, clauses et conditions d'exécution proposés aux acheteurs, avec leur fondement.",
            criteria_rows,
        ),
        Dataset(
            "programmation",
            "Programmation prévisionnelle des achats",
            "Achats que l'organisation prévoit de lancer, publiés pour les entreprises (montant par tranche).",
            _plan_dataset_rows,
        ),
    ]
}


def catalogue() -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "dataset": dataset,
            "licence": LICENCE,
            "updated": today,
            "version": dataset.schema.get("version", ""),
        }
        for dataset in DATASETS.values()
    ]


def _ordered(rows: Iterable[dict], names: list[str]):
    for row in rows:
        yield [_plain(row.get(name)) for name in names]


def csv_bytes(rows: Iterable[dict], names: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(_ordered(rows, names))
    return buffer.getvalue().encode("utf-8")


def json_bytes(rows: Iterable[dict], names: list[str], *, dataset: Dataset) -> bytes:
    data = [dict(zip(names, values, strict=True)) for values in _ordered(rows, names)]
    document = {"dataset": dataset.slug, "titre": dataset.title, "licence": LICENCE, "donnees": data}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def xlsx_bytes(rows: Iterable[dict], names: list[str], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(names)
    for row in rows:
        sheet.append([xlsx_cell(sheet, _xlsx_value(row.get(name))) for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return float(value)
    return value


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def dataset_bytes(dataset: Dataset, rows, fmt: str) -> bytes:
    names = dataset.field_names
    if fmt == "csv":
        return csv_bytes(rows, names)
    if fmt == "json":
        return json_bytes(rows, names, dataset=dataset)
    return xlsx_bytes(rows, names, title=dataset.slug)


def dataset_response(dataset: Dataset, rows, fmt: str) -> HttpResponse:
    response = HttpResponse(dataset_bytes(dataset, rows, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{dataset.slug}.{fmt}"'
    return response


def csv_response(rows, filename: str, *, dataset: str) -> HttpResponse:
    names = DATASETS[dataset].field_names
    response = HttpResponse(csv_bytes(rows, names), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- iCalendar (RFC 5545) -----------------------------------------------------------------------------


def _ical_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Folds a content line at 75 octets, as RFC 5545 requires."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    pieces, current = [], b""
    for char in line:
        char_bytes = char.encode("utf-8")
        if len(current) + len(char_bytes) > (75 if not pieces else 74):
            pieces.append(current.decode("utf-8"))
            current = b""
        current += char_bytes
    pieces.append(current.decode("utf-8"))
    return "\r\n ".join(pieces)


QUARTER_START = {1: 1, 2: 4, 3: 7, 4: 10}


def entry_start(entry) -> date | None:
    if entry.planned_launch_date:
        return entry.planned_launch_date
    if entry.planned_quarter:
        return date(entry.year, QUARTER_START[entry.planned_quarter], 1)
    return None


def plan_ical(entries, *, host: str) -> str:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SPASER//Programmation previsionnelle//FR",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Programmation prévisionnelle des achats",
    ]
    for entry in entries:
        start = entry_start(entry)
        if start is None:
            continue
        summary = f"Lancement prévu : {entry.subject}"
        description = (
            f"Famille : {entry.family.label if entry.family else 'non précisée'}\n"
            f"Montant estimé : {selectors.amount_band(entry.estimated_amount)}\n"
            f"Contact : cellule d'accompagnement des TPE/PME"
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:programmation-{entry.pk}@{host.split(':')[0]}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ical_escape(summary)}",
            f"DESCRIPTION:{_ical_escape(description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
