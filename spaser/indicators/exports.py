"""CSV (UTF-8 with BOM, semicolons, for spreadsheets in French) and XLSX exports of the dashboard tables."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = {"csv", "xlsx"}


def _cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None:
        return ""
    return value


def _csv_cell(value):
    value = _cell(value)
    if isinstance(value, Decimal | float):
        return f"{value:f}".replace(".", ",") if isinstance(value, Decimal) else str(value).replace(".", ",")
    return value


def table_response(*, filename: str, fmt: str, headers: list[str], rows) -> HttpResponse:
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Données"
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
            # Published or typed text is never a formula (an object starting with "=" stays text).
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":
                    cell.data_type = "s"
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(60, len(header) + 4))
        sheet.freeze_panes = "A2"
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(
            output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
