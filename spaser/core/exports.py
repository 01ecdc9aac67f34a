"""Tabular exports shared by the apps: a list of columns applied to objects, as streamed CSV or as XLSX.

A column is a tuple (key, French label, getter). CSV headers use the keys (stable for re-use), XLSX headers
the labels (for people).
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

Column = tuple[str, str, Callable]


def _plain(value):
    return "" if value is None else value


def csv_stream(columns: list[Column], objects: Iterable) -> Iterator[bytes]:
    """UTF-8 CSV, one encoded line at a time (for a StreamingHttpResponse), with a BOM so that Excel reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data.encode("utf-8")

    buffer.write("\ufeff")
    writer.writerow([key for key, _, _ in columns])
    yield flush()
    for obj in objects:
        writer.writerow([_plain(getter(obj)) for _, _, getter in columns])
        yield flush()


def xlsx_cell(sheet, value):
    """A value for a row of a write-only sheet.

    openpyxl writes any text starting with "=" as a formula: published or typed text (a contract's object, an
    actor's name) must stay text, or opening the file would run it (spreadsheet formula injection).
    """
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_export(columns: list[Column], objects: Iterable, *, title: str, max_rows: int | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([label for _, label, _ in columns])
    for index, obj in enumerate(objects):
        if max_rows is not None and index >= max_rows:
            break
        sheet.append([xlsx_cell(sheet, getter(obj)) for _, _, getter in columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
