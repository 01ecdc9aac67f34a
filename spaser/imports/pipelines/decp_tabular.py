"""Streaming reader of the national flat file of DECP: the tabular re-publication (CSV or Parquet) that
re-users download instead of the regulatory JSON (shared/spec/decp.md §5, field list in
shared/data/decp/schemas/decp_tabular_fields_decp-processing.json).

Each logical row is turned back into a record of the 2024 JSON shape (``acheteur: {id, nom}``,
``titulaires: [{titulaire: {...}}]``, ``considerationsSociales: {considerationSociale: [...]}``...) and
yielded as a ``RawRecord`` whose text is that record as JSON: the same ``decp.transform`` then normalises,
flags and rejects it as it does a JSON record, so that the same contract gives the same database whatever
the file it came from.

What the flat files look like, and what is read:

- CSV separated by ``;`` (also ``,`` or tabulation, chosen on the header), UTF-8 with or without BOM
  (Windows-1252 if the bytes are not UTF-8), gzip or not; Parquet (row groups read in small batches).
- Missing values written as empty, ``NC``, ``null``, ``None``, ``nan``, ``NaN``, ``<NA>``, ``NaT``: the key
  is left out of the record, as a JSON publication leaves out what it does not know.
- SIRETs and place codes stored as integers, that lost their leading zeros: padded back (14 digits for a
  SIRET when the padded number has a valid SIRET key, 5 for a commune code, 2 for a département; a 4-digit
  postcode is completed and flagged by the normaliser, as in a JSON publication).
- Booleans as true/false/oui/non/1/0/True/False, amounts with a ``.`` or ``,`` decimal separator, dates as
  ``YYYY-MM-DD`` possibly followed by a time (dropped).
- Lists (techniques, considerations...) as ``["a", "b"]``, ``['a', 'b']``, ``a, b``, ``a|b`` or a Parquet
  list.
- Holders in numbered columns (``titulaire_id_1``, ``titulaire_typeIdentifiant_1``,
  ``titulaire_denominationSociale_1`` or ``titulaire_nom_1``, ``_2``...) or one row per holder (the
  decp-processing layout): consecutive rows of the same contract state (``uid``, ``modification_id``,
  ``dateNotification``) are one record with all their holders.
- SIRENE enrichment columns (categories, communes, coordinates, distance, remaining duration, type) are
  ignored; any other column the reader does not know is kept in the record under its name (a value that is
  a JSON array or object is decoded), so nothing published is lost.

Modified contracts. decp-processing writes one row per state of a contract: ``modification_id`` 0 for the
initial data, 1, 2... after each modification (amount, duration and holders as they stand then, date of the
modification in ``dateNotification``), ``donneesActuelles`` true on the latest. Keeping only the current
row would store the date of the last modification as the notification date and the current amount as the
initial one, so the states are put back together: the initial state is the record and each later state
becomes one of its ``modifications`` (notification and publication dates, and the amount, duration or
holders that changed). The flat file carries neither the object nor the published number of a
modification (``modification_id`` is a rank), so these two are the only things a modified contract loses
against its JSON publication. As the states of one contract are far apart in the file (it is sorted by
date), rows that are not a current initial state are set aside in a temporary SQLite file on disk and
assembled at the end: memory stays flat whatever the size of the file.

Memory, in short: one CSV row (or one Parquet batch of ``PARQUET_BATCH_ROWS`` rows and the row group
pyarrow decodes it from), the rows of one contract state, and one contract's states when assembling the
modified ones; the set-aside rows are on disk.
"""

import ast
import codecs
import contextlib
import csv
import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from spaser.imports.pipelines.decp_source import (
    MARKET,
    CountingReader,
    RawRecord,
    SourceError,
    SourceInfo,
    gzip_error_french,
)

CHUNK = 1 << 20
HEAD_BYTES = 1 << 16
PARQUET_MAGIC = b"PAR1"
PARQUET_BATCH_ROWS = 2000
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".parq")
DELIMITERS = (";", ",", "\t")
# Without these a row is no contract: a header that lacks one is refused, naming what is missing.
REQUIRED_COLUMNS = ("id", "acheteur_id", "dateNotification", "montant")
# A header naming one of these is a DECP flat file, whatever the file's extension.
MARKER_COLUMNS = ("uid", "acheteur_id")
MISSING = frozenset({"", "nc", "null", "none", "nan", "<na>", "nat"})
_LONGEST_MISSING = max(map(len, MISSING))
PROGRESS_EVERY = 500
# SIRENs start at 005 000 000: a SIRET loses two zeros at most; a shorter number (a SIREN...) is not one
# that lost its zeros.
MIN_SIRET_DIGITS = 11

_TEXT = (
    "id",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "formePrix",
    "ccag",
    "typeGroupementOperateurs",
    "idAccordCadre",
)
_INTEGERS = ("dureeMois", "offresRecues")
_NUMBERS = ("montant", "tauxAvance", "origineUE", "origineFrance")
_BOOLEANS = ("marcheInnovant", "attributionAvance", "sousTraitanceDeclaree")
_DATES = ("dateNotification", "datePublicationDonnees")
_LISTS = {
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
}
_NESTED = {
    "acheteur_id": ("acheteur", "id"),
    "acheteur_nom": ("acheteur", "nom"),
    "lieuExecution_code": ("lieuExecution", "code"),
    "lieuExecution_typeCode": ("lieuExecution", "typeCode"),
    "lieuExecution_nom": ("lieuExecution", "nom"),
}
_RENAMED = {"sourceDataset": "source"}
_CONTROL = ("uid", "modification_id", "donneesActuelles")
# Added by the re-publisher from SIRENE and the geographic reference, not published by the buyer.
_ENRICHMENT = re.compile(
    r"(dureeRestanteMois|type|titulaire_distance|"
    r"(acheteur|titulaire)_(categorie|(commune|departement|region)_(code|nom)|latitude|longitude|siren|naf\w*|"
    r"activite\w*|libelle\w*|etablissement\w*|denominationUniteLegale\w*))(_\d+)?"
)
_HOLDER = re.compile(r"titulaire_(id|typeIdentifiant|denominationSociale|nom)(?:_(\d+))?")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_INTEGRAL = re.compile(r"[+-]?\d+(\.0*)?")
_DIGITS_FLOAT = re.compile(r"(\d+)\.0*")
_TRUE = frozenset({"true", "oui", "1", "vrai", "yes"})
_FALSE = frozenset({"false", "non", "0", "faux", "no"})
# Place codes stored as integers lost their leading zero. Postcodes are left to the normaliser, which pads
# them and flags it (code_postal_complete), as it does for a JSON publication that lost it.
_PAD = {"code commune": 5, "code departement": 2, "code département": 2}


# --- detection -------------------------------------------------------------------------------------------


def _name(path: Path) -> str:
    return path.name.lower()


def inspect(path: Path) -> SourceInfo | None:
    """SourceInfo of a flat file (CSV or Parquet), None when the file is not one (JSON, XML...).

    Cheap for other files: only their first bytes are read."""
    path = Path(path)
    name = _name(path)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic == PARQUET_MAGIC:
        return _inspect_parquet(path)
    if name.endswith(PARQUET_SUFFIXES):
        raise SourceError(
            f"Le fichier « {path.name} » porte l'extension Parquet mais n'en est pas un (signature PAR1 absente)."
        )
    compressed = magic[:2] == b"\x1f\x8b"
    try:
        with _open_bytes(path, compressed) as handle:
            head = handle.read(HEAD_BYTES)
    except (OSError, EOFError) as exc:
        if not name.endswith(CSV_SUFFIXES):
            return None  # not known to be a flat file: the JSON/XML inspector says where the archive breaks
        raise SourceError(gzip_error_french(exc)) from exc
    bom = head.startswith(codecs.BOM_UTF8)
    text = head[3 if bom else 0 :].decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "[", "<", ""):
        return None  # JSON, XML or empty: the JSON/XML reader says what it is
    header_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter, columns = _sniff(header_line)
    if not name.endswith(CSV_SUFFIXES) and not any(marker in columns for marker in MARKER_COLUMNS):
        return None
    _check_columns(columns, f"séparateur « {_delimiter_label(delimiter)} »")
    sha256, size, is_utf8 = _hash_and_check(path, compressed)
    return SourceInfo(
        path=path,
        size=size,
        sha256=sha256,
        compressed=compressed,
        encoding="utf-8" if is_utf8 else "cp1252",
        bom=bom,
        format="csv",
        has_concessions=False,
    )


def _delimiter_label(delimiter: str) -> str:
    return "tabulation" if delimiter == "\t" else delimiter


def _sniff(header_line: str) -> tuple[str, list[str]]:
    """(delimiter, column names) of a header: the delimiter giving the most known DECP columns, then the
    most columns."""
    best = None
    for delimiter in DELIMITERS:
        columns = [column.strip() for column in next(csv.reader([header_line], delimiter=delimiter), [])]
        known = sum(1 for column in columns if _is_known(column))
        score = (known, len(columns))
        if best is None or score > best[0]:
            best = (score, delimiter, columns)
    return best[1], best[2]


def _is_known(column: str) -> bool:
    return (
        column in _TEXT
        or column in _INTEGERS
        or column in _NUMBERS
        or column in _BOOLEANS
        or column in _DATES
        or column in _LISTS
        or column in _NESTED
        or column in _CONTROL
        or _HOLDER.fullmatch(column) is not None
    )


def _check_columns(columns: list[str], detail: str) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        shown = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
        raise SourceError(
            "En-tête non reconnu : ce fichier n'a pas les colonnes du fichier national DECP au format tabulaire "
            f"(colonnes manquantes : {', '.join(missing)} ; {detail} ; colonnes lues : {shown or 'aucune'}). "
            "Aucun enregistrement de ce fichier n'est importé."
        )


def _open_bytes(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _hash_and_check(path: Path, compressed: bool) -> tuple[str, int, bool]:
    """(SHA-256 of the file, its size, whether its decompressed content is UTF-8), reading chunk by chunk."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if not compressed and is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if compressed:
        try:
            with gzip.open(path, "rb") as handle:
                while is_utf8 and (chunk := handle.read(CHUNK)):
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        is_utf8 = False
        except (OSError, EOFError) as exc:
            raise SourceError(gzip_error_french(exc)) from exc
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return digest.hexdigest(), path.stat().st_size, is_utf8


def _inspect_parquet(path: Path) -> SourceInfo:
    import pyarrow.parquet as pq

    try:
        columns = pq.ParquetFile(path).schema_arrow.names
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a damaged file
        raise SourceError(f"Fichier Parquet illisible : {exc}") from exc
    _check_columns(list(columns), "fichier Parquet")
    sha256, size, _ = _hash_and_check_binary(path)
    return SourceInfo(
        path=path,
        size=size,
        sha256=sha256,
        compressed=False,
        encoding="utf-8",
        bom=False,
        format="parquet",
        has_concessions=False,
    )


def _hash_and_check_binary(path: Path) -> tuple[str, int, None]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size, None


# --- reading rows --------------------------------------------------------------------------------------------


def _csv_rows(info: SourceInfo, progress: Callable[[int], None] | None) -> Iterator[tuple[int, list[str]]]:
    disk = open(info.path, "rb")
    counting = CountingReader(disk)
    buffered = io.BufferedReader(counting, CHUNK)
    stream = gzip.GzipFile(fileobj=buffered, mode="rb") if info.compressed else buffered
    encoding = "utf-8-sig" if info.encoding == "utf-8" else info.encoding
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(1 << 24)  # a long object or a JSON column: far above the default 128 kB
    try:
        header_line = text.readline().rstrip("\r\n")
        delimiter, columns = _sniff(header_line)
        reader = csv.reader(text, delimiter=delimiter)
        number = 0
        for values in reader:
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank line
            number += 1
            if len(values) != len(columns):
                raise SourceError(
                    f"Ligne {number + 1} du fichier : {len(values)} champs au lieu des {len(columns)} de l'en-tête "
                    f"(séparateur « {_delimiter_label(delimiter)} » dans un texte sans guillemets ?). "
                    "Aucun enregistrement de ce fichier n'est importé."
                )
            yield number, values
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(counting.count)
        if progress is not None:
            progress(counting.count)
    except csv.Error as exc:
        raise SourceError(
            f"CSV illisible vers la ligne {reader.line_num} : {exc}. Aucun enregistrement de ce fichier n'est importé."
        ) from exc
    except (OSError, EOFError) as exc:
        raise SourceError(gzip_error_french(exc)) from exc
    finally:
        csv.field_size_limit(previous_limit)
        text.close()
        disk.close()


def _parquet_rows(
    info: SourceInfo, progress: Callable[[int], None] | None, columns: list[str]
) -> Iterator[tuple[int, dict]]:
    """Rows of the Parquet file, batch by batch; only ``columns`` are decoded (not the SIRENE enrichment)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(info.path)
        total = parquet.metadata.num_rows or 1
        number = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            for row in batch.to_pylist():
                number += 1
                yield number, row
            if progress is not None:
                progress(info.size * number // total)
    except SourceError:
        raise
    except Exception as exc:  # pyarrow's errors for a damaged file
        raise SourceError(
            f"Fichier Parquet illisible : {exc}. Aucun enregistrement de ce fichier n'est importé."
        ) from exc


# --- cells -------------------------------------------------------------------------------------------------


def _cell(value):
    """A cell as None (missing), str, int, float, bool or list: what a CSV or a Parquet column holds."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        text = value.strip()
        return None if len(text) <= _LONGEST_MISSING and text.lower() in MISSING else text
    if kind is float:
        return None if value != value else value  # NaN
    if kind is int or kind is bool:
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return None if value.is_nan() else str(value)
    if isinstance(value, list | tuple):
        items = [item for item in (_cell(item) for item in value) if item is not None]
        return items or None
    return str(value)


def _integer(value):
    if type(value) is str and _INTEGRAL.fullmatch(value):
        return int(value.split(".")[0])
    if type(value) is float and value.is_integer():
        return int(value)
    return value  # kept as published: the normaliser flags or rejects it


def _number(value):
    if type(value) is not str:
        return value
    text = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return value
    if not number.is_finite():
        return value
    if number == number.to_integral_value() and "e" not in text.lower():
        return int(number)
    as_float = float(number)
    # A float when it holds the published digits (as the JSON decoder gives it), else the normalised text.
    return as_float if decimal.Decimal(repr(as_float)) == number else str(number)


def _boolean(value):
    if type(value) is str:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    elif type(value) in (int, float) and value in (0, 1):
        return bool(value)
    return value


def _date(value):
    if type(value) is str:
        match = _DATE_TIME.fullmatch(value)
        if match:
            return match.group(1)
    return value


_LIST_MEMO: dict[str, list] = {}
_LIST_MEMO_SIZE = 10_000


def _list(value) -> list | None:
    """A list of labels from any of its notations; the few distinct texts of a file are read once."""
    if type(value) is str:
        known = _LIST_MEMO.get(value)
        if known is None:
            known = _parse_list(value)
            if len(_LIST_MEMO) < _LIST_MEMO_SIZE:
                _LIST_MEMO[value] = known
        return list(known)
    return _parse_list(value)


def _parse_list(value) -> list | None:
    if type(value) is list:
        return [str(item) for item in value]
    if type(value) is not str:
        return [str(value)]
    text = value
    if text[:1] in "[(":
        try:
            parsed = json.loads(text)
        except ValueError:
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                parsed = None
        if isinstance(parsed, list | tuple):
            items = [_cell(item) if isinstance(item, str) else item for item in parsed]
            return [str(item) for item in items if item is not None]
        text = text.strip("[]()")
    separator = "|" if "|" in text else ("," if "," in text else None)
    parts = text.split(separator) if separator else [text]
    items = [part.strip().strip("'\"").strip() for part in parts]
    return [item for item in items if item and item.lower() not in MISSING]


def _identifier(value, width: int = 14):
    """A SIRET (or any identifier) read as a number lost its leading zeros: padded back when it is digits."""
    if type(value) is int:
        value = str(value)
    elif type(value) is float and value.is_integer():
        value = str(int(value))
    elif type(value) is str:
        match = _DIGITS_FLOAT.fullmatch(value)
        if match:
            value = match.group(1)
    if type(value) is str and value.isdigit() and len(value) < width and value[0] != "0":
        padded = value.zfill(width)
        # A SIRET that lost its zeros is still a valid SIRET; a published number too short for another
        # reason almost never is, and a SIREN (9 digits) is not a SIRET that lost five zeros: kept as
        # published, for the normaliser to flag.
        if width != 14 or (len(value) >= MIN_SIRET_DIGITS and _siret_checksum_ok(padded)):
            return padded
    return value


def _siret_checksum_ok(siret: str) -> bool:
    """The Luhn key of a SIRET (La Poste's establishments use a sum of digits multiple of 5 instead)."""
    if siret.startswith("356000000"):
        return sum(map(int, siret)) % 5 == 0
    total = 0
    for index, digit in enumerate(reversed(siret)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _unknown(value):
    """A column the reader does not know: kept as is, a JSON array or object decoded."""
    if type(value) is str and value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, list | dict):
            return parsed
    return value


# --- rows to records ---------------------------------------------------------------------------------------


class _Plan:
    """What each column of the file becomes in the record, worked out once from the header."""

    def __init__(self, columns: list[str]):
        self.scalars = []  # (column, key, converter)
        self.nested = []  # (column, parent, key)
        self.holders: dict[int, dict[str, list[str]]] = {}  # number (0: unnumbered) -> {field: columns}
        self.extra = []  # columns kept under their own name
        for column in columns:
            if column in _CONTROL:
                continue
            holder = _HOLDER.fullmatch(column)
            if holder:
                field, number = holder.group(1), int(holder.group(2) or 0)
                key = "denominationSociale" if field == "nom" else field
                columns_of_key = self.holders.setdefault(number, {}).setdefault(key, [])
                # The published name first, the re-publisher's (SIRENE) name when it is missing.
                columns_of_key.insert(0 if field == "denominationSociale" else len(columns_of_key), column)
            elif column in _TEXT:
                self.scalars.append((column, column, None))
            elif column in _INTEGERS:
                self.scalars.append((column, column, _integer))
            elif column in _NUMBERS:
                self.scalars.append((column, column, _number))
            elif column in _BOOLEANS:
                self.scalars.append((column, column, _boolean))
            elif column in _DATES:
                self.scalars.append((column, column, _date))
            elif column in _LISTS:
                self.scalars.append((column, column, _list))
            elif column in _NESTED:
                parent, key = _NESTED[column]
                self.nested.append((column, parent, key))
            elif column in _RENAMED:
                self.scalars.append((column, _RENAMED[column], None))
            elif _ENRICHMENT.fullmatch(column):
                continue
            else:
                self.extra.append(column)
        self.holder_numbers = sorted(self.holders)
        # Columns read at all: the others (SIRENE enrichment) are not even converted.
        self.used = frozenset(
            [c for c, _, _ in self.scalars]
            + [c for c, _, _ in self.nested]
            + [c for fields in self.holders.values() for cs in fields.values() for c in cs]
            + self.extra
            + [c for c in columns if c in _CONTROL]
        )

    def record(self, rows: list[dict]) -> dict:
        """The 2024-shaped record of one contract state (its rows: one per holder, or one)."""
        first = rows[0]
        record: dict = {}
        for column, key, convert in self.scalars:
            value = first.get(column)
            if value is None:
                continue
            value = convert(value) if convert is not None else (str(value) if type(value) is not str else value)
            if key in _LISTS:
                if not value:
                    continue
                value = {_LISTS[key]: value}
            record[key] = value
        for column, parent, key in self.nested:
            value = first.get(column)
            if value is None:
                continue
            if column == "acheteur_id":
                value = _identifier(value)
            elif type(value) is not str:
                value = _identifier(value, 1) if type(value) in (int, float) else str(value)
            record.setdefault(parent, {})[key] = value
        place = record.get("lieuExecution")
        if place and type(place.get("code")) is str and place["code"].isdigit():
            width = _PAD.get(str(place.get("typeCode", "")).strip().lower())
            code = place["code"]
            # One zero lost (Ain to Ardèche...) by an integer column, which never starts with a zero; otherwise
            # the code is as published.
            if width and len(code) == width - 1 and code[0] != "0":
                place["code"] = "0" + place["code"]
        holders = []
        for row in rows:
            for number in self.holder_numbers:
                holder = self._holder(row, self.holders[number])
                if holder is not None and holder not in holders:
                    holders.append(holder)
        if holders:
            record["titulaires"] = [{"titulaire": holder} for holder in holders]
        for column in self.extra:
            value = first.get(column)
            if value is not None:
                record.setdefault(column, _unknown(value))
        return record

    @staticmethod
    def _holder(row: dict, fields: dict[str, list[str]]) -> dict | None:
        holder = {}
        for key in ("typeIdentifiant", "id", "denominationSociale"):
            value = next((row[c] for c in fields.get(key, ()) if row.get(c) is not None), None)
            if value is not None:
                holder[key] = value if type(value) is str else str(_identifier(value, 1))
        if "id" not in holder:
            return None
        id_type = str(holder.get("typeIdentifiant", "SIRET")).strip().upper()
        if id_type == "SIRET":
            holder["id"] = _identifier(holder["id"])
        return holder


def _state_key(row: dict) -> tuple:
    """(uid, modification rank, notification date): the rows of one contract state share it."""
    uid = row.get("uid")
    if uid is None:
        buyer = row.get("acheteur_id")
        uid = f"{_identifier(buyer) if buyer is not None else ''}{row.get('id') or ''}"
    return str(uid), _integer(row.get("modification_id")), row.get("dateNotification")


def _is_current_initial(row: dict) -> bool:
    """Initial data that are also the current data: a contract never modified, read in one pass."""
    rank = _integer(row.get("modification_id"))
    current = _boolean(row.get("donneesActuelles"))
    return rank in (None, 0) and current is not False


class _Spill:
    """Rows of modified contracts, set aside in a temporary SQLite file until the whole file is read."""

    def __init__(self):
        handle, self.path = tempfile.mkstemp(prefix="spaser-decp-", suffix=".sqlite3")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE state (uid TEXT, rank INTEGER, date TEXT, line INTEGER, rows TEXT)"  # noqa: S608
        )
        self.count = 0

    def add(self, key: tuple, line: int, rows: list[dict]):
        uid, rank, date = key
        self.db.execute(
            "INSERT INTO state VALUES (?, ?, ?, ?, ?)",
            (uid, rank if type(rank) is int else None, None if date is None else str(date), line, json.dumps(rows)),
        )
        self.count += 1

    def contracts(self) -> Iterator[list[tuple[int, int | None, list[dict]]]]:
        """The states of each contract, in order: [(line, rank, rows), ...]."""
        if not self.count:
            return
        self.db.execute("CREATE INDEX state_order ON state (uid, rank, date, line)")
        current_uid, states = None, []
        for uid, rank, _, line, rows in self.db.execute(
            "SELECT uid, rank, date, line, rows FROM state ORDER BY uid, rank, date, line"
        ):
            if uid != current_uid and states:
                yield _merge_same_states(states)
                states = []
            current_uid = uid
            states.append((line, rank, json.loads(rows)))
        if states:
            yield _merge_same_states(states)

    def close(self):
        self.db.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _merge_same_states(states: list[tuple[int, int | None, list[dict]]]) -> list[tuple[int, int | None, list[dict]]]:
    """Rows of one state that were not consecutive in the file (same rank and date) are one state."""
    merged: list = []
    for line, rank, rows in states:
        if (
            merged
            and merged[-1][1] == rank
            and merged[-1][2][0].get("dateNotification") == rows[0].get("dateNotification")
        ):
            merged[-1][2].extend(rows)
        else:
            merged.append((line, rank, list(rows)))
    return merged


def _with_modifications(plan: _Plan, states: list[tuple[int, int | None, list[dict]]]) -> dict:
    """The record of the first state, with each later state as a modification of what changed."""
    record = plan.record(states[0][2])
    previous = record
    modifications = []
    for index, (_, rank, rows) in enumerate(states[1:], 1):
        state = plan.record(rows)
        modification = {"id": rank if type(rank) is int and rank > 0 else index}
        if "dateNotification" in state:
            modification["dateNotificationModification"] = state["dateNotification"]
        if "datePublicationDonnees" in state:
            modification["datePublicationDonneesModification"] = state["datePublicationDonnees"]
        for key in ("dureeMois", "montant"):
            if key in state and state[key] != previous.get(key):
                modification[key] = state[key]
        if state.get("titulaires") and state["titulaires"] != previous.get("titulaires"):
            modification["titulaires"] = state["titulaires"]
        modifications.append({"modification": modification})
        previous = state
    if modifications:
        record["modifications"] = modifications
    return record


def _raw_record(position: int, record: dict) -> RawRecord:
    return RawRecord(position, MARKET, record, json.dumps(record, ensure_ascii=False))


def iter_records(info: SourceInfo, progress: Callable[[int], None] | None = None) -> Iterator[RawRecord]:
    """Yield one record per contract of a flat file; raise SourceError for a file-level problem."""
    if info.format == "parquet":
        import pyarrow.parquet as pq

        columns = list(pq.ParquetFile(info.path).schema_arrow.names)
    else:
        columns = _csv_columns(info)
    _check_columns(columns, info.format.upper())
    plan = _Plan(columns)
    used = plan.used
    if info.format == "parquet":
        rows = _parquet_rows(info, progress, [column for column in columns if column in used])
    else:
        rows = _csv_rows(info, progress)
    is_csv = info.format == "csv"
    spill = _Spill()
    try:
        group: list[dict] = []
        key = line = None
        used_positions = [(index, column) for index, column in enumerate(columns) if column in used]
        for number, raw_row in rows:
            if is_csv:  # a list of strings; only the values present are kept (row.get gives None for the others)
                row = {}
                for index, column in used_positions:
                    text = raw_row[index].strip()
                    if len(text) > _LONGEST_MISSING or text.lower() not in MISSING:
                        row[column] = text
            else:
                row = {column: _cell(value) for column, value in raw_row.items() if column in used}
            row_key = _state_key(row)
            if group and row_key != key:
                yield from _flush(plan, spill, key, line, group)
                group = []
            if not group:
                key, line = row_key, number
            group.append(row)
        if group:
            yield from _flush(plan, spill, key, line, group)
        for states in spill.contracts():
            yield _raw_record(states[0][0], _with_modifications(plan, states))
    finally:
        spill.close()


def _flush(plan: _Plan, spill: _Spill, key: tuple, line: int, group: list[dict]) -> Iterator[RawRecord]:
    if all(_is_current_initial(row) for row in group):
        yield _raw_record(line, plan.record(group))
    else:
        spill.add(key, line, group)


def _csv_columns(info: SourceInfo) -> list[str]:
    with _open_bytes(info.path, info.compressed) as handle:
        head = handle.read(HEAD_BYTES)
    encoding = "utf-8-sig" if info.encoding == "utf-8" else info.encoding
    lines = head.decode(encoding, errors="replace").splitlines()
    return _sniff(lines[0] if lines else "")[1]
