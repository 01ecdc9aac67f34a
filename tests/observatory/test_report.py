"""The SPASER report from the platform's own bootstrap data (référentiel, demo indicators), checked with pdftotext."""

import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.observatory import selectors
from spaser.observatory.models import ReportStatus, SpaserReport
from tests.accounts.factories import MembershipFactory
from tests.contracts.factories import ContractFactory

PDFTOTEXT = shutil.which("pdftotext")


def _require_pdftotext():
    if PDFTOTEXT is None:
        message = "pdftotext est introuvable : installez-le avec « apt-get install poppler-utils »."
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the report must be checked, never skipped
        pytest.skip(message)


@pytest.fixture
def bootstrapped():
    """The same bootstrap steps as `make run` except the slow geographic and DECP imports (replaced by contracts)."""
    out = io.StringIO()
    for label in ("accounts", "referentiel", "strategies"):
        apps.get_app_config(label).bootstrap(stdout=out, demo=True)
    home = selectors.home_organisation()
    for index in range(4):
        ContractFactory(
            buyer=home,
            considerations_published=True,
            social_clause=index < 3,
            environmental_clause=index < 1,
            initial_amount=Decimal("250000"),
        )
    for label in ("indicators", "observatory"):
        apps.get_app_config(label).bootstrap(stdout=out, demo=True)
    return home


def test_report_pdf_holds_the_key_figures_and_charts(client, bootstrapped, django_capture_on_commit_callbacks):
    _require_pdftotext()
    admin = MembershipFactory(organisation=bootstrapped, role=Role.ADMIN).user
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("observatory:reports"),
            {"kind": "annual", "year": 2024, "introduction": "Le mot du président.", "conclusion": "À suivre."},
        )
    assert response.status_code == 302
    report = SpaserReport.objects.get()
    assert report.status == ReportStatus.DONE, report.error
    assert report.generated_at is not None
    assert report.inputs["spaser"] == "CVL-SPASER-2"
    assert report.inputs["contracts"] == 4
    assert len(report.inputs["indicators"]) > 5

    pdf = client.get(reverse("observatory:report_pdf", args=[report.pk]))
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    text = subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=body, capture_output=True, check=True).stdout
    text = text.decode("utf-8")
    assert "Bilan annuel 2024" in text
    assert "Le mot du président." in text
    assert "75 %" in text or "75,0 %" in text  # 3 of 4 contracts with a social consideration
    assert "25 %" in text or "25,0 %" in text
    assert "1 000 000" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Trajectoires des indicateurs" in text
    # The charts are vector drawings: their axis labels are text in the PDF. An indicator without any value
    # measured over the year has no chart (nor a table of blanks) but says what brings its value.
    from spaser.observatory.reports import report_context

    blocks = report_context(report)["blocks"]
    measured = [block for block in blocks if not block["next_step"]]
    assert 3 <= len(measured) < len(blocks)
    assert text.count("référence (carré)") == len(measured)
    flat = " ".join(text.split())
    assert flat.count("Aucune valeur mesurée pour cet indicateur sur la période 2024.") == len(blocks) - len(measured)
    assert "Sa valeur est saisie chaque année par un pilote de chantier" in flat

    annex = client.get(reverse("observatory:report_annex", args=[report.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(annex.streaming_content))) as archive:
        assert "xl/worksheets/sheet2.xml" in archive.namelist()


def _pdf_text(client, report) -> str:
    pdf = client.get(reverse("observatory:report_pdf", args=[report.pk]))
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    text = subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=body, capture_output=True, check=True).stdout
    return text.decode("utf-8").replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("kind", "title", "years", "outside", "contracts"),
    [
        ("interim", "Bilan à mi-parcours 2023–2025", [2023, 2024, 2025], [2022, 2026, 2027], 5),
        ("final", "Bilan final 2023–2027", [2023, 2024, 2025, 2026, 2027], [2022], 6),
    ],
)
def test_review_reports_cover_the_spaser_period_year_by_year(
    client, bootstrapped, django_capture_on_commit_callbacks, kind, title, years, outside, contracts
):
    """Interim review: from the SPASER's first year to the review year; final: the whole SPASER (2023-2027)."""
    import datetime

    from spaser.observatory import reports

    _require_pdftotext()
    for year in (2022, 2023, 2026):
        ContractFactory(buyer=bootstrapped, notified_on=datetime.date(year, 6, 1), initial_amount=Decimal("1000"))
    admin = MembershipFactory(organisation=bootstrapped, role=Role.ADMIN).user
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("observatory:reports"), {"kind": kind, "year": 2025, "introduction": "", "conclusion": ""})
    report = SpaserReport.objects.get()
    assert report.status == ReportStatus.DONE, report.error
    assert report.inputs["period"] == [years[0], years[-1]]
    # 4 contracts of 2024 from the fixture, plus 2023 (both reviews) and 2026 (final only); never 2022.
    assert report.inputs["contracts"] == contracts
    text = _pdf_text(client, report)
    assert title in text
    assert f"Chiffres clés {years[0]}–{years[-1]}" in text
    matrix = text.split("Valeurs des indicateurs par année de la période", 1)[1].split("Trajectoires", 1)[0]
    header = next(line for line in matrix.splitlines() if "Indicateur" in line)
    assert [int(word) for word in header.split() if word.isdigit()] == years
    by_year = text.split("Marchés par année de notification", 1)[1].split("Méthode et sources", 1)[0]
    for year in (2023, 2024):
        assert f"{year}" in by_year
    for year in outside:
        assert f"\n{year} " not in by_year and f" {year} " not in by_year.replace(f"{years[0]}–{years[-1]}", "")
    # PNAD-SOC, computed from the contracts: 3 of the 4 contracts of 2024 with a social consideration.
    assert "PNAD-SOC" in matrix and "75" in matrix
    block = next(b for b in reports.report_context(report)["blocks"] if b["indicator"].code == "PNAD-SOC")
    assert [(p["year"], p["value"]) for p in block["per_year"]][:2] == [(2023, None), (2024, Decimal(75))]

    annex = client.get(reverse("observatory:report_annex", args=[report.pk]))
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(annex.streaming_content)))
    annual_rows = [row[0] for row in workbook["marches_par_annee"].iter_rows(min_row=2, values_only=True)]
    assert set(annual_rows) <= set(years) and 2024 in annual_rows
    indicator_years = {
        row[5] for row in workbook["indicateurs"].iter_rows(min_row=2, values_only=True) if row[6] != "reference"
    }
    assert indicator_years <= set(years)


def test_the_annual_report_stays_on_its_year(bootstrapped):
    from spaser.observatory import reports

    report = SpaserReport.objects.create(organisation=bootstrapped, year=2024)
    context = reports.report_context(report)
    assert (context["period_start"], context["period_end"], context["years"]) == (2024, 2024, [2024])
    assert [row["year"] for row in context["by_year"]] == [2024]
    assert context["totals"]["count"] == 4


def test_a_failing_generation_is_kept_with_its_error(bootstrapped, monkeypatch):
    from spaser.observatory import reports

    def broken(context):
        raise RuntimeError("police introuvable")

    monkeypatch.setattr(reports, "render_pdf", broken)
    report = SpaserReport.objects.create(organisation=bootstrapped, year=2024)
    reports.report_generate(report)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "police introuvable" in report.error
    assert not report.pdf


def test_report_explains_what_is_late_with_the_pilot_comment(bootstrapped):
    from spaser.indicators.models import ManualValue
    from spaser.observatory import reports
    from spaser.referentiel.models import Indicator
    from tests.accounts.factories import UserFactory

    indicator = Indicator.objects.filter(publication__is_public=True, targets__year=2025, mode="manual").first()
    target = indicator.targets.get(year=2025).value
    ManualValue.objects.update_or_create(
        indicator=indicator,
        year=2025,
        defaults={
            "value": target - 1000 if indicator.direction != "decrease" else target + 1000,
            "comment": "Marché reporté faute d'offres.",
            "proof_link": "https://example.fr/p",
            "entered_by": UserFactory(),
        },
    )
    report = SpaserReport.objects.create(organisation=bootstrapped, year=2025)
    context = reports.report_context(report)
    late = {block["indicator"].code: block["reason"] for block in context["late_blocks"]}
    assert late[indicator.code] == "Marché reporté faute d'offres."
