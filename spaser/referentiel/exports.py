"""File exports of the référentiels: the SPASER in its YAML format, both référentiels as XLSX workbooks."""

import io

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from spaser.referentiel.enums import ChantierStatus, DirectionRole, ImprovementDirection, IndicatorMode
from spaser.referentiel.selectors import spaser_export_data

YAML_HEADER = "# SPASER exporté par « manage.py export_spaser » (format spaser/1), rechargeable par « load_spaser ».\n"


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def spaser_yaml(spaser) -> str:
    body = yaml.dump(
        spaser_export_data(spaser), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, indent=2
    )
    return YAML_HEADER + body


def _sheet(workbook, title, headers, rows):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(12, len(header) + 4))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            # Text typed by users is never a formula (spreadsheet formula injection).
            if cell.data_type == "f":
                cell.data_type = "s"
    return sheet


def _to_bytes(workbook) -> bytes:
    del workbook[workbook.sheetnames[0]]  # the default empty sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spaser_xlsx(spaser) -> bytes:
    data = spaser_export_data(spaser)
    axes = {axis["code"]: axis["title"] for axis in data["axes"]}
    workbook = Workbook()
    chantier_rows, indicator_rows = [], []
    for theme in data["themes"]:
        axis = axes.get(theme.get("axis"), "Transversal")
        for chantier in theme.get("chantiers", []):
            chantier_rows.append(
                [
                    axis,
                    f"{theme['code']}. {theme['title']}",
                    chantier["code"],
                    chantier["title"],
                    chantier.get("pilot", ""),
                    ChantierStatus(chantier["status"]).label,
                    "; ".join(
                        f"{item['name']} ({DirectionRole(item['role']).label})"
                        for item in chantier.get("directions", [])
                    ),
                    "; ".join(
                        f"{item['due_date']:%d/%m/%Y} {item['label']}" + (" (atteint)" if item["done"] else "")
                        for item in chantier.get("milestones", [])
                    ),
                    chantier.get("description", ""),
                ]
            )
            for indicator in chantier.get("indicators", []):
                baseline = indicator.get("baseline") or {}
                indicator_rows.append(
                    [
                        chantier["code"],
                        indicator["code"],
                        indicator["label"],
                        indicator["unit"],
                        ImprovementDirection(indicator["direction"]).label,
                        IndicatorMode(indicator["mode"]).label,
                        indicator.get("computation_key", ""),
                        baseline.get("value"),
                        baseline.get("year"),
                        "; ".join(f"{target['value']} en {target['year']}" for target in indicator.get("targets", [])),
                        indicator.get("scope", ""),
                        indicator.get("proof", ""),
                        indicator.get("definition", ""),
                    ]
                )
    _sheet(
        workbook,
        "Chantiers",
        ["Axe", "Thématique", "Code", "Chantier", "Pilote", "État", "Directions", "Jalons", "Description"],
        chantier_rows,
    )
    _sheet(
        workbook,
        "Indicateurs",
        [
            "Chantier",
            "Code",
            "Indicateur",
            "Unité",
            "Sens",
            "Mesure",
            "Clé de calcul",
            "Valeur de référence",
            "Année de référence",
            "Cibles",
            "Périmètre",
            "Justificatif",
            "Définition",
        ],
        indicator_rows,
    )
    return _to_bytes(workbook)


def criteria_xlsx(criteria, families) -> bytes:
    """The criteria référentiel, with a second sheet for the purchase families and their CPV rules."""
    workbook = Workbook()
    rows = [
        [
            item.code,
            item.title,
            item.get_kind_display(),
            item.get_dimension_display(),
            item.get_obligation_display(),
            item.legal_basis,
            item.get_legal_status_display(),
            item.caveat,
            ", ".join(family.code for family in item.families.all()),
            item.weighting_min,
            item.weighting_max,
            item.wording,
            item.verification,
            item.proof,
            item.chantier_code,
            item.get_ambition_display(),
        ]
        for item in criteria
    ]
    _sheet(
        workbook,
        "Critères et clauses",
        [
            "Code",
            "Intitulé",
            "Type",
            "Dimension",
            "Caractère",
            "Fondement",
            "Vérification du fondement",
            "Réserves",
            "Familles",
            "Pondération min (%)",
            "Pondération max (%)",
            "Rédaction type",
            "Vérification",
            "Justificatifs",
            "Chantier",
            "Ambition",
        ],
        rows,
    )
    _sheet(
        workbook,
        "Familles d'achat",
        ["Code", "Libellé", "Nature", "Famille parente", "Préfixes CPV"],
        [
            [
                family.code,
                family.label,
                family.get_nature_display(),
                family.parent.code if family.parent_id else "",
                ", ".join(rule.prefix for rule in family.cpv_rules.all()),
            ]
            for family in families
        ],
    )
    return _to_bytes(workbook)
