"""The SPASER report: HTML rendered to PDF by WeasyPrint (charts as inline SVG) and an XLSX annex.

Built from public-grade data only (published indicators, adopted SPASER, contract aggregates), so the report
can be handed to the plenary assembly and published as is.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from spaser.observatory import charts, exports, selectors
from spaser.observatory.models import ReportStatus, SpaserReport
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import PurchaseProject

logger = logging.getLogger(__name__)


def report_context(report: SpaserReport) -> dict:
    organisation = report.organisation
    spaser = selectors.current_spaser(organisation)
    indicators = list(selectors.published_indicators(organisation))
    states = selectors.indicator_states(indicators, organisation, report.year)
    blocks = []
    for indicator in indicators:
        points = selectors.trajectory(indicator, states.get(indicator.pk))
        current = next((p for p in points if p["year"] == report.year), None)
        late = bool(current and current["status"] == "late")
        state = states.get(indicator.pk)
        measure = state.series.get(report.year) if state else None
        # Why it is late: the pilot's comment on the value of the year (the report is internal until adopted).
        reason = getattr(measure.source, "comment", "") if (late and measure) else ""
        blocks.append(
            {
                "indicator": indicator,
                "points": points,
                "chart": charts.trajectory_svg(points, unit=indicator.unit, title=indicator.label),
                "late": late,
                "reason": reason,
            }
        )
    contracts = selectors.organisation_contracts(organisation).filter(notified_on__year=report.year)
    notable = (
        PurchaseProject.objects.of_organisation(organisation)
        .filter(validated_at__year=report.year)
        .exclude(state__in=[ProjectState.DRAFT, ProjectState.ABANDONED])
        .select_related("family")
        .order_by("-estimated_amount", "pk")[:15]
    )
    return {
        "report": report,
        "organisation": organisation,
        "spaser": spaser,
        "overview": selectors.spaser_overview(spaser, indicators) if spaser else [],
        "blocks": blocks,
        "late_blocks": [block for block in blocks if block["late"]],
        "notable": list(notable),
        "totals": selectors.contract_totals(contracts),
        "by_year": selectors.contract_aggregates_by_year(organisation),
        "generated_at": timezone.now(),
    }


def report_inputs(context: dict) -> dict:
    """What the report was built from, kept with it."""
    totals = context["totals"]
    return {
        "spaser": context["spaser"].code if context["spaser"] else None,
        "spaser_version": context["spaser"].version if context["spaser"] else None,
        "indicators": [block["indicator"].code for block in context["blocks"]],
        "contracts": totals["count"],
        "contracts_amount": str(totals["amount"] or 0),
        "year": context["report"].year,
    }


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("observatory/report/report.html", context)
    return HTML(string=html, base_url=None).write_pdf()


def render_annex(context: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "marches_par_annee"
    columns = [
        "year",
        "count",
        "amount",
        "published",
        "social",
        "environmental",
        "social_share",
        "environmental_share",
    ]
    sheet.append(columns)
    for row in context["by_year"]:
        sheet.append([float(row[c]) if row[c] is not None and c == "amount" else row[c] for c in columns])
    indicators = workbook.create_sheet("indicateurs")
    names = exports.DATASETS["indicateurs"].field_names
    indicators.append(names)
    for row in exports.indicator_rows(context["organisation"]):
        indicators.append([exports._xlsx_value(row.get(name)) for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_generate(report: SpaserReport) -> SpaserReport:
    try:
        context = report_context(report)
        pdf = render_pdf(context)
        annex = render_annex(context)
    except Exception as error:  # the worker keeps the failure with the report instead of losing it
        logger.exception("SPASER report %s failed", report.pk)
        report.status = ReportStatus.FAILED
        report.error = str(error)[:2000]
        report.save(update_fields=["status", "error", "updated_at"])
        return report
    stamp = timezone.now()
    report.inputs = report_inputs(context)
    report.pdf.save(f"rapport-spaser-{report.year}-{report.pk}.pdf", ContentFile(pdf), save=False)
    report.annex.save(f"rapport-spaser-{report.year}-{report.pk}-annexe.xlsx", ContentFile(annex), save=False)
    report.generated_at = stamp
    report.status = ReportStatus.DONE
    report.error = ""
    report.save()
    logger.info("SPASER report %s generated (%d bytes)", report.pk, len(pdf))
    return report
