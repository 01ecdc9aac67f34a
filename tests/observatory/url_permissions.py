from django.conf import settings

from spaser.observatory.models import ContactRequest, ReportStatus, SpaserReport
from tests.permission_matrix import Expect

PUBLIC = {"*": 200}
CELL = {"anonymous": 302, "admin": 200, "buyer": 200, "outsider": 200, "*": 403}
ADMIN_ONLY = {"anonymous": 302, "admin": 200, "outsider": 200, "*": 403}
REPORTS = {"anonymous": 302, "admin": 200, "pilot": 200, "outsider": 200, "*": 403}


def _contact(ctx):
    contact = ContactRequest.objects.create(
        organisation=ctx.organisation,
        company="Menuiserie Test",
        contact_name="Camille Test",
        email="camille@example.fr",
        subject="Question",
        message="Bonjour",
        consent=True,
    )
    return {"pk": contact.pk}


def _report(ctx):
    from django.core.files.base import ContentFile

    report = SpaserReport(organisation=ctx.organisation, year=2025, status=ReportStatus.DONE)
    report.pdf.save("r.pdf", ContentFile(b"%PDF-1.7"), save=False)
    report.annex.save("r.xlsx", ContentFile(b"PK"), save=False)
    report.save()
    return {"pk": report.pk}


EXPECTATIONS = [
    Expect("observatory:home", status=PUBLIC),
    Expect("observatory:key_figures", kwargs={"year": 2025}, status=PUBLIC),
    # An indicator that is not published does not exist for the public.
    Expect("observatory:indicator", kwargs={"code": "INCONNU"}, status={"*": 404}),
    Expect("observatory:territory", status=PUBLIC),
    Expect("observatory:plan", status=PUBLIC),
    Expect("observatory:plan_csv", status=PUBLIC),
    Expect("observatory:plan_ical", status=PUBLIC),
    Expect("observatory:opendata", status=PUBLIC),
    # Served once the administrator has opened the datasets (SPASER_OPEN_DATA_PUBLISH, off by default).
    Expect(
        "observatory:dataset",
        kwargs={"slug": "criteres", "fmt": "csv"},
        status=PUBLIC if getattr(settings, "SPASER_OPEN_DATA_PUBLISH", False) else {"*": 404},
    ),
    Expect("observatory:schema", kwargs={"slug": "criteres"}, status=PUBLIC),
    # No home organisation in the matrix database: the form has nowhere to go.
    Expect("observatory:contact", status={"*": 404}),
    Expect("observatory:contact_sent", status=PUBLIC),
    Expect("observatory:inbox", status=CELL),
    # The contact belongs to ctx.organisation: the outsider's organisation does not hold it.
    Expect("observatory:contact_detail", kwargs=_contact, status={**CELL, "outsider": 404}),
    Expect("observatory:publication", status=ADMIN_ONLY),
    Expect("observatory:reports", status=REPORTS),
    Expect("observatory:report_pdf", kwargs=_report, status={**REPORTS, "outsider": 404}),
    Expect("observatory:report_annex", kwargs=_report, status={**REPORTS, "outsider": 404}),
    Expect("api:index", status=PUBLIC),
    Expect("api:schema", status=PUBLIC),
    Expect("api:docs", status=PUBLIC),
    Expect("api:families", status=PUBLIC),
    Expect("api:criteria", status=PUBLIC),
    Expect("api:indicators", status=PUBLIC),
    Expect("api:indicator", kwargs={"code": "INCONNU"}, status={"*": 404}),
    Expect("api:plan", status=PUBLIC),
    Expect("api:contract_aggregates", status=PUBLIC),
]
