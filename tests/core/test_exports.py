import io
from decimal import Decimal

from openpyxl import load_workbook

from spaser.core.exports import csv_stream, xlsx_export

COLUMNS = [
    ("objet", "Objet", lambda row: row["object"]),
    ("montant", "Montant (€)", lambda row: row["amount"]),
]
ROWS = [
    {"object": '=HYPERLINK("http://example.com","cliquer")', "amount": Decimal("1234.50")},
    {"object": "Nettoyage des lycées", "amount": None},
]


def test_xlsx_keeps_text_starting_with_equals_as_text():
    workbook = load_workbook(io.BytesIO(xlsx_export(COLUMNS, ROWS, title="Contrats")))
    sheet = workbook["Contrats"]
    assert [cell.value for cell in sheet[1]] == ["Objet", "Montant (€)"]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://example.com","cliquer")'
    assert sheet["B2"].value == 1234.5
    assert sheet["B3"].value is None


def test_xlsx_stops_at_max_rows():
    workbook = load_workbook(io.BytesIO(xlsx_export(COLUMNS, ROWS, title="Contrats", max_rows=1)))
    assert workbook["Contrats"].max_row == 2


def test_csv_stream_has_a_bom_the_keys_and_one_line_per_row():
    content = b"".join(csv_stream(COLUMNS, ROWS)).decode("utf-8")
    lines = content.splitlines()
    assert lines[0] == "\ufeffobjet,montant"
    assert lines[2] == "Nettoyage des lycées,"
    assert len(lines) == 3
