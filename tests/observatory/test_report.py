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
    if PDFTOTEXT is None:
        message = "pdftotext est introuvable : installez-le avec « apt-get install poppler-utils »."
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the report must be checked, never skipped
        pytest.skip(message)
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
    # The charts are vector drawings: their axis labels are text in the PDF.
    assert text.count("référence (carré)") >= 5

    annex = client.get(reverse("observatory:report_annex", args=[report.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(annex.streaming_content))) as archive:
        assert "xl/worksheets/sheet2.xml" in archive.namelist()


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
