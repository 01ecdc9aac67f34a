"""XLSX exports of the project list and of the programme (openpyxl, write-only: flat memory)."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from spaser.referentiel.enums import ContractNature
from spaser.strategies.enums import ProjectState


def _workbook(title: str, headers: list[str], rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PROJECT_HEADERS = [
    "Identifiant",
    "Objet",
    "État",
    "Direction",
    "Famille d'achat",
    "Nature",
    "Codes CPV",
    "Montant estimé HT (€)",
    "Lancement prévu",
    "Règles bloquantes non respectées",
    "Clause d'insertion",
    "Heures d'insertion",
    "Validée le",
]


def projects_xlsx(projects) -> bytes:
    rows = (
        [
            project.pk,
            project.subject,
            ProjectState(project.state).label,
            project.direction.name if project.direction else "",
            project.family.label if project.family else "",
            ContractNature(project.nature).label if project.nature else "",
            ", ".join(project.cpv_codes or []),
            project.estimated_amount,
            project.planned_launch_date,
            project.blocking_count,
            "oui" if project.insertion_clause else "non",
            project.insertion_hours,
            project.validated_at.replace(tzinfo=None) if project.validated_at else None,
        ]
        for project in projects
    )
    return _workbook("Projets d'achat", PROJECT_HEADERS, rows)


PROGRAMME_HEADERS = [
    "Année",
    "Objet",
    "Direction",
    "Code CPV",
    "Famille d'achat",
    "Nature",
    "Montant estimé HT (€)",
    "Date de lancement",
    "Trimestre",
    "Récurrent",
    "Renouvellement",
    "Marché renouvelé",
    "Fiche obligatoire",
    "Éligible RSE",
    "Seuil européen atteint",
    "Publié",
]


def programme_xlsx(entries) -> bytes:
    def yes(value):
        return "oui" if value else "non"

    rows = (
        [
            entry.year,
            entry.subject,
            entry.direction.code if entry.direction else "",
            entry.cpv_code,
            entry.family.label if entry.family else "",
            ContractNature(entry.nature).label,
            entry.estimated_amount,
            entry.planned_launch_date,
            f"T{entry.planned_quarter}" if entry.planned_quarter else "",
            yes(entry.is_recurrent),
            yes(entry.is_renewal),
            entry.previous_contract,
            yes(entry.form_required),
            yes(entry.rse_eligible),
            yes(entry.eu_threshold_reached),
            yes(entry.is_published),
        ]
        for entry in entries
    )
    return _workbook("Programmation", PROGRAMME_HEADERS, rows)


# --- Reconciliation report (shared CSV/XLSX columns of spaser.core.exports) ----------------------------------------


def _yes_no(value):
    return "" if value is None else ("oui" if value else "non")


def _direction(line):
    return line.project.direction.name if line.project and line.project.direction else ""


RECONCILIATION_COLUMNS = [
    ("situation", "Situation", lambda line: line.situation_label),
    ("projet_id", "N° du projet", lambda line: line.project.pk if line.project else None),
    ("projet_objet", "Projet d'achat", lambda line: line.project.subject if line.project else ""),
    ("projet_etat", "État du projet", lambda line: line.project.get_state_display() if line.project else ""),
    ("direction", "Direction", _direction),
    ("marche_id", "Identifiant du marché", lambda line: line.contract.external_id),
    ("marche_objet", "Objet du marché", lambda line: line.contract.object),
    ("notifie_le", "Notifié le", lambda line: line.contract.notified_on),
    ("montant_ht", "Montant HT (€)", lambda line: line.amount),
    ("seuil_fiche", "Seuil de la fiche à la notification (€ HT)", lambda line: line.threshold),
    ("fiche_sociale", "Fiche : considération sociale", lambda line: _yes_no(line.plans_social)),
    (
        "fiche_environnementale",
        "Fiche : considération environnementale",
        lambda line: _yes_no(line.plans_environmental),
    ),
    (
        "decp_sociale",
        "Données publiées : considérations sociales",
        lambda line: ", ".join(line.contract.social_considerations) if line.contract.considerations_published else "",
    ),
    (
        "decp_environnementale",
        "Données publiées : considérations environnementales",
        lambda line: (
            ", ".join(line.contract.environmental_considerations) if line.contract.considerations_published else ""
        ),
    ),
    ("ecarts", "Écarts relevés", lambda line: " ".join(line.messages)),
    (
        "a_corriger",
        "À corriger",
        lambda line: " ".join(f"{correction.side_label} : {correction.action}" for correction in line.corrections),
    ),
]
