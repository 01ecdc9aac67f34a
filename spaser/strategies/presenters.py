"""Turns a project (or the snapshot frozen at its validation) into labelled sections for reading and printing.

The printable page and the PDF read the frozen snapshot once the form is validated, so that what was
validated is what is printed, whatever changed afterwards.
"""

import datetime
from decimal import Decimal, InvalidOperation

from spaser.referentiel import cpv
from spaser.referentiel.enums import ContractNature
from spaser.strategies import compliance
from spaser.strategies.enums import (
    CheckStatus,
    ClauseDimension,
    ClauseKind,
    CriterionKind,
    EnvironmentalDomain,
    Procedure,
    Reservation,
    Severity,
    SocialDevice,
)
from spaser.strategies.forms import SECTIONS
from spaser.strategies.models import PurchaseProject
from spaser.strategies.numbers import format_euros, format_percent

CHOICES = {
    "nature": ContractNature,
    "procedure": Procedure,
    "reservation": Reservation,
    "environmental_domains": EnvironmentalDomain,
    "social_devices": SocialDevice,
}
AMOUNTS = {"estimated_amount"}
PERCENTS = {"insertion_labour_share", "insertion_rate"}
MONEY = {"insertion_hourly_cost"}
NUMBERS = {"insertion_hours", "carbon_estimate_kg"}


def _label(name: str) -> str:
    if name == "cpv_text":
        return "Codes CPV"
    field = PurchaseProject._meta.get_field(name)
    return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]


def _decimal(value):
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def display(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if name in CHOICES:
        enum = CHOICES[name]
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(dict(enum.choices).get(item, item)) for item in values) or "—"
    if name in AMOUNTS:
        return format_euros(_decimal(value))
    if name in PERCENTS:
        return format_percent(_decimal(value))
    if name in MONEY:
        return format_euros(_decimal(value)).removesuffix(" HT")
    if name in NUMBERS:
        return format_euros(_decimal(value)).removesuffix(" € HT")
    if name.endswith("_date"):
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
        return f"{day:%d/%m/%Y}"
    return str(value)


def document(project: PurchaseProject, report: compliance.Report) -> dict:
    """The snapshot when the form was validated, otherwise the same structure built from the live project."""
    from spaser.strategies.services import project_snapshot

    frozen = bool(project.snapshot)
    data = project.snapshot if frozen else project_snapshot(project, report=report)
    fields = data["fields"]
    sections = []
    for _key, title, names in SECTIONS:
        rows = []
        for name in names:
            if name == "cpv_text":
                codes = fields.get("cpv_codes") or []
                value = ", ".join(f"{code} – {cpv.label(code)}" for code in codes) or "—"
            elif name in {"direction", "family"}:
                item = data.get(name)
                value = (item.get("name") or item.get("label")) if item else "—"
            else:
                value = display(name, fields.get(name))
            rows.append((_label(name), value))
        sections.append((title, rows))
    criteria = [
        {
            **item,
            "kind_label": dict(CriterionKind.choices).get(item["kind"], item["kind"]),
            "weight_label": format_percent(_decimal(item["weight"])),
        }
        for item in data["award_criteria"]
    ]
    clauses = [
        {
            **item,
            "dimension_label": dict(ClauseDimension.choices).get(item["dimension"], item["dimension"]),
            "kind_label": dict(ClauseKind.choices).get(item["kind"], item["kind"]),
        }
        for item in data["clauses"]
    ]
    lots = [{**lot, "amount_label": format_euros(_decimal(lot["estimated_amount"]))} for lot in data["lots"]]
    return {
        "frozen": frozen,
        "referentiel_version": data.get("referentiel_version", ""),
        "sections": sections,
        "criteria": criteria,
        "clauses": clauses,
        "lots": lots,
        "compliance": [
            {
                **item,
                "status_label": dict(CheckStatus.choices).get(item["status"], item["status"]),
                "severity_label": dict(Severity.choices).get(item["severity"], item["severity"]),
            }
            for item in data["compliance"]
        ],
    }
