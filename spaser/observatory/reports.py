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

from spaser.indicators.selectors import no_values_next_step
from spaser.observatory import charts, exports, selectors
from spaser.observatory.models import ReportKind, ReportStatus, SpaserReport
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import PurchaseProject

logger = logging.getLogger(__name__)


def report_period(report: SpaserReport, spaser) -> tuple[int, int]:
    """The years a report covers: its year for the annual report; for the reviews, from the first year of the
    adopted SPASER to the review year (interim, e.g. 2023-2025) or to the SPASER's last year (final, 2023-2027)."""
    if report.kind == ReportKind.ANNUAL or spaser is None:
        return report.year, report.year
    start = spaser.period_start
    if report.kind == ReportKind.FINAL:
        return start, spaser.period_end
    return start, min(max(report.year, start), spaser.period_end)


EMPTY_POINT = {"baseline": None, "target": None, "value": None, "status": None, "status_label": ""}


def _in_period(point, start, end) -> bool:
    return start <= point["year"] <= end or point.get("baseline") is not None


def report_context(report: SpaserReport) -> dict:
    organisation = report.organisation
    spaser = selectors.current_spaser(organisation)
    start, end = report_period(report, spaser)
    years = list(range(start, end + 1))
    indicators = list(selectors.published_indicators(organisation))
    states = selectors.indicator_states(indicators, organisation, end)
    blocks = []
    for indicator in indicators:
        points = [p for p in selectors.trajectory(indicator, states.get(indicator.pk)) if _in_period(p, start, end)]
        by_year = {p["year"]: p for p in points}
        # Late: the status of the last year of the period that has one (a review looks at where it ends).
        current = next((by_year[year] for year in reversed(years) if by_year.get(year, {}).get("status")), None)
        late = bool(current and current["status"] == "late")
        state = states.get(indicator.pk)
        measure = state.series.get(current["year"]) if (state and current) else None
        # Why it is late: the pilot's comment on the value of that year (the report is internal until adopted).
        reason = getattr(measure.source, "comment", "") if (late and measure) else ""
        measured = selectors.has_values(points)
        blocks.append(
            {
                "indicator": indicator,
                "points": points,
                "per_year": [by_year.get(year) or {**EMPTY_POINT, "year": year} for year in years],
                "chart": charts.trajectory_svg(points, unit=indicator.unit, title=indicator.label) if measured else "",
                # No value measured over the period: what brings one, instead of an empty chart and table.
                "next_step": "" if measured else no_values_next_step(indicator, state.definition if state else None),
                "late": late,
                "late_year": current["year"] if late else None,
                "reason": reason,
            }
        )
    contracts = selectors.organisation_contracts(organisation).filter(
        notified_on__year__gte=start, notified_on__year__lte=end
    )
    notable = (
        PurchaseProject.objects.of_organisation(organisation)
        .filter(validated_at__year__gte=start, validated_at__year__lte=end)
        .exclude(state__in=[ProjectState.DRAFT, ProjectState.ABANDONED])
        .select_related("family")
        .order_by("-estimated_amount", "pk")[:15]
    )
    return {
        "report": report,
        "organisation": organisation,
        "spaser": spaser,
        "period_start": start,
        "period_end": end,
        "period_label": str(start) if start == end else f"{start}–{end}",
        "years": years,
        "overview": selectors.spaser_overview(spaser, indicators) if spaser else [],
        "blocks": blocks,
        "late_blocks": [block for block in blocks if block["late"]],
        "notable": list(notable),
        "totals": selectors.contract_totals(contracts),
        "by_year": [row for row in selectors.contract_aggregates_by_year(organisation) if start <= row["year"] <= end],
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
        "kind": context["report"].kind,
        "period": [context["period_start"], context["period_end"]],
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
    start, end = context["period_start"], context["period_end"]
    for row in exports.indicator_rows(context["organisation"]):
        if not (start <= row["annee"] <= end or row["nature_valeur"] == "reference"):
            continue
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
    name = f"rapport-spaser-{report.kind}-{context['period_label'].replace('–', '-')}-{report.pk}"
    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    report.annex.save(f"{name}-annexe.xlsx", ContentFile(annex), save=False)
    report.generated_at = stamp
    report.status = ReportStatus.DONE
    report.error = ""
    report.save()
    logger.info("SPASER report %s generated (%d bytes)", report.pk, len(pdf))
    return report
