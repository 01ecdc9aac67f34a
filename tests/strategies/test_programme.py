"""The purchase programme: messy spreadsheets, preview before import, automatic flags, one-click project."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from spaser.accounts.enums import Role
from spaser.referentiel.models import Family
from spaser.strategies import programme_import, services
from spaser.strategies.models import ProgrammeEntry, ProgrammeImport, PurchaseProject
from tests.strategies.factories import ProgrammeEntryFactory


def messy_workbook(rows_after_header, *, header=None, title_rows=True) -> bytes:
    """A spreadsheet as buyers keep them: a merged title, a blank line, a note, then the header on row 4."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Prog 2026"
    if title_rows:
        sheet["A1"] = "PROGRAMMATION DES ACHATS 2026 – Direction des lycées"
        sheet.merge_cells("A1:H1")
        sheet["A3"] = "Document de travail – ne pas diffuser"
        sheet.merge_cells("A3:D3")
    sheet.append([]) if not title_rows else None
    header = header or [
        "N°",
        "Objet du marché",
        "DIRECTION",
        "Code CPV",
        "Montant estimé (€ HT)",
        "Nature",
        "Date de lancement",
        "Trimestre",
        "Récurrent ?",
        "Commentaire interne",
    ]
    for column, value in enumerate(header, start=1):
        sheet.cell(row=4, column=column, value=value)
    for offset, row in enumerate(rows_after_header):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=5 + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROWS = [
    [
        1,
        "Nettoyage des lycées",
        "DLP",
        "90911200-8",
        "1 234 567,89 €",
        "Services",
        datetime.datetime(2026, 3, 15),
        None,
        "oui",
    ],
    [2, "Ordinateurs", "dlp", "30213100", 85000, "fournitures", None, "T3", "non", "à voir"],
    [],
    [None, None, None, None, None],
    [3, "Travaux toiture", "Lycées et patrimoine", "45261000", "120k€", "TRAVAUX", "15/06/2026", None, None],
    [4, "Maintenance ascenseurs", "DLP", "50750000", "douze mille", "Services", None, "2e trimestre", "x"],
    [5, "Audit énergétique", "DXX", "99999999", "-4 000", "prestations", "31/02/2026", "T5", "peut-être"],
]


@pytest.fixture
def lookups(direction):
    return programme_import.Lookups(
        directions={"dlp": direction.pk, "lycees et patrimoine": direction.pk},
        families={},
        family_natures={},
        cpv_family=lambda code: None,
    )


def test_header_found_on_row_4_under_merged_title(lookups):
    preview = programme_import.preview(messy_workbook(ROWS), lookups=lookups, default_year=2026)
    assert not preview.errors
    assert preview.header_line == 4
    assert {column.field for column in preview.mapped} == {
        "subject",
        "direction",
        "cpv_code",
        "estimated_amount",
        "nature",
        "planned_launch_date",
        "planned_quarter",
        "is_recurrent",
    }
    assert [column.header for column in preview.unmapped] == ["N°", "Commentaire interne"]


def test_rows_read_with_text_amounts_and_empty_lines_skipped(lookups, direction):
    preview = programme_import.preview(messy_workbook(ROWS), lookups=lookups, default_year=2026)
    valid = {row.line: row.data for row in preview.valid_rows}
    assert sorted(valid) == [5, 6, 9]  # lines 7 and 8 are empty
    assert valid[5]["estimated_amount"] == Decimal("1234567.89")
    assert valid[5]["cpv_code"] == "90911200"
    assert valid[5]["planned_launch_date"] == datetime.date(2026, 3, 15)
    assert valid[5]["is_recurrent"] is True
    assert valid[6]["nature"] == "supplies" and valid[6]["planned_quarter"] == 3
    assert valid[6]["direction_id"] == direction.pk  # code in lower case
    assert valid[9]["estimated_amount"] == Decimal(120000)
    assert valid[9]["nature"] == "works" and valid[9]["direction_id"] == direction.pk  # by name
    assert valid[9]["planned_launch_date"] == datetime.date(2026, 6, 15)


def test_every_invalid_row_reported_with_its_line_number(lookups):
    preview = programme_import.preview(messy_workbook(ROWS), lookups=lookups, default_year=2026)
    invalid = {row.line: row.errors for row in preview.invalid_rows}
    assert sorted(invalid) == [10, 11]
    assert invalid[10] == [
        "montant : « douze mille » n'est pas un nombre (exemples acceptés : 1 234,56 € ; 12,5 % ; 12k€)."
    ]
    errors = " | ".join(invalid[11])
    for expected in (
        "montant : -4 000 n'est pas strictement positif",
        "code CPV inconnu : « 99999999 »",
        "direction inconnue : « DXX »",
        "date impossible ou illisible : « 31/02/2026 »",
        "trimestre illisible : « T5 »",
        "récurrent : « peut-être » n'est ni oui ni non",
    ):
        assert expected in errors


def test_unaccented_and_differently_cased_headers_are_recognised(lookups):
    header = ["OBJET", "Montant Estime HT", "nature du marche", "date previsionnelle de lancement", "Annee"]
    content = messy_workbook([["Entretien espaces verts", "45 000", "services", "01/09/2026", 2026]], header=header)
    preview = programme_import.preview(content, lookups=lookups, default_year=2025)
    assert [column.field for column in preview.mapped] == [
        "subject",
        "estimated_amount",
        "nature",
        "planned_launch_date",
        "year",
    ]
    assert preview.valid_rows[0].data["year"] == 2026


def test_file_without_header_or_not_xlsx_is_refused(lookups):
    preview = programme_import.preview(
        messy_workbook([], header=["Colonne A", "Colonne B"]), lookups=lookups, default_year=2026
    )
    assert preview.errors and "Aucune ligne d'en-tête" in preview.errors[0]
    preview = programme_import.preview(b"ceci n'est pas un classeur", lookups=lookups, default_year=2026)
    assert preview.errors == [
        "Le fichier n'a pas pu être lu comme un classeur Excel (.xlsx) : ce n'est pas un classeur .xlsx (un .xlsx "
        "est une archive ZIP : celle-ci est absente, tronquée ou abîmée)."
    ]
    truncated = messy_workbook(ROWS)[:-200]
    preview = programme_import.preview(truncated, lookups=lookups, default_year=2026)
    assert "BadZipFile" not in preview.errors[0] and "archive ZIP" in preview.errors[0]


def test_upload_previews_and_imports_nothing_until_confirmed(client, people, organisation, direction):
    client.force_login(people[Role.BUYER])
    upload = SimpleUploadedFile("programmation.xlsx", messy_workbook(ROWS))
    response = client.post(reverse("strategies:programme_import"), {"file": upload, "year": 2026})
    assert response.status_code == 302
    assert not ProgrammeEntry.objects.exists()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "ligne d'en-tête trouvée ligne 4" in page
    assert "Lignes invalides (2)" in page
    assert "Confirmer l'import de 3 lignes" in page
    assert not ProgrammeEntry.objects.exists()
    confirm = client.post(response["Location"])
    assert confirm.status_code == 302
    assert ProgrammeEntry.objects.filter(organisation=organisation).count() == 3
    # Confirming twice imports nothing more.
    assert client.post(response["Location"]).status_code == 404
    assert ProgrammeEntry.objects.count() == 3
    assert ProgrammeImport.objects.get().imported_count == 3


def test_wrong_extension_refused_on_the_field(client, people):
    client.force_login(people[Role.BUYER])
    upload = SimpleUploadedFile("programmation.csv", b"objet;montant")
    response = client.post(reverse("strategies:programme_import"), {"file": upload, "year": 2026})
    assert response.status_code == 200
    assert "Le fichier doit être un classeur Excel (.xlsx)." in html.unescape(response.content.decode())


# --- Flags with the real référentiel (thresholds file, families, criteria) -------------------------------------


@pytest.mark.parametrize(
    "amount, nature, form_required, eu_reached",
    [
        (Decimal("39999.99"), "services", False, False),
        (Decimal("40000"), "services", True, False),
        (Decimal("215999.99"), "services", True, False),
        (Decimal("216000"), "services", True, True),
        (Decimal("5403999.99"), "works", True, False),
        (Decimal("5404000"), "works", True, True),
    ],
)
def test_entry_flags_at_thresholds(referentiel, organisation, amount, nature, form_required, eu_reached):
    entry = services.programme_entry_save(
        organisation=organisation,
        data={"year": 2026, "subject": "Achat", "estimated_amount": amount, "nature": nature, "planned_quarter": 3},
    )
    assert (entry.form_required, entry.eu_threshold_reached) == (form_required, eu_reached)


def test_entry_family_from_cpv_and_rse_eligibility(referentiel, organisation):
    cleaning = services.programme_entry_save(
        organisation=organisation,
        data={
            "year": 2026,
            "subject": "Nettoyage",
            "cpv_code": "90911200",
            "estimated_amount": 50000,
            "nature": "services",
        },
    )
    assert cleaning.family.code == "NETTOYAGE"
    assert cleaning.rse_eligible  # the référentiel has cleaning-specific environmental and social items
    root = Family.objects.get(code="SERVICES")
    generic = services.programme_entry_save(
        organisation=organisation,
        data={"year": 2026, "subject": "Divers", "family": root, "estimated_amount": 50000, "nature": "services"},
    )
    assert not generic.rse_eligible  # only the common base applies to a root family


def test_entry_becomes_a_project_in_one_click(client, people, organisation, direction):
    entry = ProgrammeEntryFactory(
        organisation=organisation, direction=direction, cpv_code="90911200", subject="Nettoyage"
    )
    client.force_login(people[Role.PRESCRIBER])
    response = client.post(reverse("strategies:programme_entry_to_project", args=[entry.pk]))
    project = PurchaseProject.objects.get(programme_entry=entry)
    assert response["Location"] == reverse("strategies:project_edit", args=[project.pk])
    assert (project.subject, project.direction, project.cpv_codes, project.estimated_amount) == (
        "Nettoyage",
        direction,
        ["90911200"],
        entry.estimated_amount,
    )
    assert project.created_by == people[Role.PRESCRIBER]
    # A second click creates nothing.
    client.post(reverse("strategies:programme_entry_to_project", args=[entry.pk]))
    assert PurchaseProject.objects.count() == 1


def test_publish_selected_entries(client, people, organisation):
    first, second = ProgrammeEntryFactory(organisation=organisation), ProgrammeEntryFactory(organisation=organisation)
    foreign = ProgrammeEntryFactory()
    client.force_login(people[Role.BUYER])
    client.post(reverse("strategies:programme_publish"), {"entries": [first.pk, foreign.pk], "action": "publish"})
    assert list(ProgrammeEntry.objects.published()) == [first]
    assert not ProgrammeEntry.objects.get(pk=second.pk).is_published


def test_programme_list_and_export(client, people, organisation, django_assert_max_num_queries):
    for index in range(20):
        ProgrammeEntryFactory(organisation=organisation, subject=f"Ligne {index}")
    client.force_login(people[Role.BUYER])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("strategies:programme_list")).status_code == 200
    sheet = load_workbook(io.BytesIO(client.get(reverse("strategies:programme_export")).content)).active
    assert sheet.max_row == 21
