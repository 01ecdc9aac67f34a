"""Streaming extraction of DECP records from a JSON or XML file (no database).

Two passes over the bytes, memory flat whatever the size:

1. ``inspect(path)``: SHA-256 (journal identity), size, gzip, byte order mark, UTF-8 validity (else
   Windows-1252/Latin-1), format (JSON or XML), and, for XML, refusal of any DTD or entity declaration.
2. ``iter_records(path, info)``: yields ``RawRecord(position, kind, data, text)``; JSON by walking the
   text down to the record arrays and decoding each record with the standard library's C decoder
   (``raw_decode``: faster than an event parser, and it gives the record's text), XML through a hardened
   lxml ``iterparse`` (no DTD, no entities, no network, no huge tree).

Shapes read (shared/spec/decp.md §3-§5): ``{"marches": [...]}`` (2019), ``{"marches": {"marche": [...],
"contrat-concession": [...]}}`` (2024; a record alone may stand there without its array), a bare top-level
array, and ``<marches>`` with ``<marche>`` / ``<contrat-concession>`` children. Any other content, records under
another key of ``marches`` included, is a ``SourceError`` with a French message.
"""

import codecs
import gzip
import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
MARKET = "marche"
CONCESSION = "contrat-concession"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class SourceError(Exception):
    """The file as a whole cannot be read: nothing of it is imported."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    position: int  # 1-based rank of the record in its list (marchés or concessions) of the file
    kind: str  # MARKET or CONCESSION, from the container or from the 2019 ``_type``
    data: object
    text: str | None = None  # the record's JSON text as published (JSON files), None for XML


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: Path
    size: int
    sha256: str
    compressed: bool
    encoding: str  # encoding of the (decompressed) bytes: utf-8, utf-16-le, cp1252, latin-1
    bom: bool
    format: str  # "json", "xml", or "csv" / "parquet" (national flat file, decp_tabular)
    has_concessions: bool  # a JSON 2024 file that names "contrat-concession" somewhere


def _open_bytes(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def inspect(path: Path) -> SourceInfo:
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Fichier introuvable : {path.name}")
    from spaser.imports.pipelines import decp_tabular  # imports this module: imported late

    tabular = decp_tabular.inspect(path)  # the national flat file (CSV or Parquet)
    if tabular is not None:
        return tabular
    with open(path, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    size = path.stat().st_size

    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252_ok = True
    is_utf8 = True
    head = b""
    tail = b""
    has_concessions = False
    has_dtd = False
    with _open_bytes(path, compressed) as handle:
        try:
            while chunk := handle.read(CHUNK):
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                window = tail + chunk
                has_concessions = has_concessions or b'"contrat-concession"' in window
                has_dtd = has_dtd or b"<!DOCTYPE" in window or b"<!ENTITY" in window
                tail = chunk[-32:]
                if is_utf8:
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        is_utf8 = False
                if cp1252_ok and not is_utf8:
                    try:
                        chunk.decode("cp1252")
                    except UnicodeDecodeError:
                        cp1252_ok = False
            if is_utf8:
                utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
        except (OSError, EOFError) as exc:
            raise SourceError(f"Archive gzip illisible ou tronquée : {exc}") from exc

    encoding, bom = None, False
    for mark, name in _BOMS:
        if head.startswith(mark):
            encoding, bom = name, True
            break
    if encoding is None:
        encoding = "utf-8" if is_utf8 else ("cp1252" if cp1252_ok else "latin-1")
    if encoding.startswith("utf-16"):
        start = head[len(codecs.BOM_UTF16_LE) :].decode(encoding, errors="ignore").lstrip()
    else:
        start = head[3 if bom else 0 :].decode(encoding, errors="replace").lstrip()
    if not start:
        raise SourceError("Fichier vide.")
    if start[0] in "{[":
        fmt = "json"
    elif start[0] == "<":
        fmt = "xml"
        if has_dtd:
            raise SourceError(
                "Fichier XML refusé : il contient une déclaration DTD ou d'entités (<!DOCTYPE>/<!ENTITY>), "
                "interdite pour se protéger des attaques par expansion d'entités ou entités externes."
            )
    else:
        raise SourceError("Ce fichier n'est ni du JSON ni du XML : ce ne sont pas des données DECP.")
    return SourceInfo(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        compressed=compressed,
        encoding=encoding,
        bom=bom,
        format=fmt,
        has_concessions=has_concessions,
    )


class _Utf8Reader(io.RawIOBase):
    """Re-encodes a byte stream of any encoding to UTF-8 on the fly (the JSON scanner and lxml read UTF-8)."""

    def __init__(self, raw, encoding: str):
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.pending:
            chunk = self.raw.read(CHUNK)
            self.pending = self.decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class _Counting(io.RawIOBase):
    """Counts the bytes read from the file on disk, for progress reports."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = self.raw.readinto(buffer)  # straight into the caller's buffer: no intermediate bytes object
        self.count += size
        return size


def _text_stream(info: SourceInfo, disk):
    """A UTF-8 byte stream without BOM over the decompressed content."""
    stream = gzip.GzipFile(fileobj=disk, mode="rb") if info.compressed else disk
    if info.encoding == "utf-8":
        if info.bom:
            stream.read(3)
        return stream
    reader = _Utf8Reader(stream, info.encoding)
    if info.bom:
        first = reader.read(3)
        if first != codecs.BOM_UTF8:  # pragma: no cover - the BOM always decodes to U+FEFF
            reader.pending = first + reader.pending
    return io.BufferedReader(reader, CHUNK)


def _kind_from_2019(data) -> str:
    if isinstance(data, dict):
        marker = str(data.get("_type") or "").lower()
        if "concession" in marker or ("autoriteConcedante" in data and "acheteur" not in data):
            return CONCESSION
    return MARKET


def _refuse_constant(name):
    raise ValueError(f"{name} n'est pas une valeur JSON")


_WHITESPACE = re.compile(r"[ \t\n\r]*")
MAX_RECORD_CHARS = 32 << 20  # no DECP record comes near: beyond, the text is not a readable record
# Text kept ahead of a record before decoding it: a record cut by the end of the buffer makes the decoder
# fail, and its error counts the line breaks of the whole buffer (about a megabyte), once per chunk.
READ_AHEAD = 1 << 16


class _JsonScanner:
    """Walks the JSON text down to the arrays of records and decodes one record at a time with the C
    decoder of the standard library (``raw_decode``), keeping each record's text (the publication as it
    was, stored with the contract). Memory: one chunk of text plus the record being read."""

    def __init__(self, stream):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.raw_decode = json.JSONDecoder(parse_constant=_refuse_constant).raw_decode
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Append the next chunk; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise SourceError(f"Texte illisible (UTF-8 invalide) : {exc}") from exc
        self.eof = not chunk
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        """Next non-blank character ("" at the end), without consuming it."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.fill():
                return ""

    def expect(self, char: str, what: str):
        found = self.peek()
        if found != char:
            raise ValueError(f"{what} attendu, trouvé {found[:1]!r}")
        self.pos += 1

    def value(self):
        """(decoded value, its text) of the JSON value at the current position."""
        self.peek()
        if len(self.buffer) - self.pos < READ_AHEAD:
            self.fill()
        while True:
            try:
                value, end = self.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if len(self.buffer) - self.pos > MAX_RECORD_CHARS or not self.fill():
                    raise
                continue
            if end == len(self.buffer) and not self.eof and self.fill():
                continue  # a number or literal may go on in the next chunk
            text = self.buffer[self.pos : end]
            self.pos = end
            return value, text

    def keys(self):
        """Keys of the object at the current position; the caller reads or skips each value."""
        self.expect("{", "objet")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise ValueError("clé attendue")
            key, _ = self.value()
            self.expect(":", "« : »")
            yield key
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}", "« } »")
            return

    def items(self):
        """(value, text) of each element of the array at the current position."""
        self.expect("[", "tableau")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]", "« ] »")
            return

    def record_arrays(self):
        """(kind or None, items) of each array of records: a bare array, ``marches: [...]`` (2019) or
        ``marches: {marche: [...], contrat-concession: [...]}`` (2024)."""
        first = self.peek()
        if first == "[":
            yield None, self.items()
            return
        if first != "{":
            raise SourceError("Le JSON ne contient ni objet ni tableau : ce ne sont pas des données DECP.")
        found = False
        for key in self.keys():
            if key != "marches":
                self.value()  # "$schema" and other top-level members: skipped
                continue
            found = True
            inner = self.peek()
            if inner == "[":
                yield None, self.items()
            elif inner == "{":
                for kind in self.keys():
                    shape = self.peek()
                    if kind in (MARKET, CONCESSION) and shape == "[":
                        yield kind, self.items()
                    elif kind in (MARKET, CONCESSION) and shape == "{":
                        # One record alone, not in an array: what XML-to-JSON converters write for a single
                        # element.
                        yield kind, iter([self.value()])
                    elif shape in ("[", "{"):
                        raise SourceError(
                            f"Clé « {kind[:60]} » inattendue dans « marches » : les enregistrements y sont sous "
                            "« marche » ou « contrat-concession » (format 2024). Aucun enregistrement de ce fichier "
                            "n'est importé."
                        )
                    else:
                        self.value()  # null or a scalar: no record
            else:
                raise SourceError("La clé « marches » ne contient ni tableau ni objet : format DECP inconnu.")
        if not found:
            raise SourceError("Clé « marches » absente : ce fichier JSON ne suit pas le format DECP.")


def _iter_json(info: SourceInfo, progress: Callable[[int], None] | None) -> Iterator[RawRecord]:
    disk = open(info.path, "rb")
    counting = _Counting(disk)
    stream = _text_stream(info, io.BufferedReader(counting, CHUNK))
    scanner = _JsonScanner(stream)
    done = 0
    try:
        for kind, items in scanner.record_arrays():
            position = 0
            for data, text in items:
                position += 1
                done += 1
                yield RawRecord(position, kind or _kind_from_2019(data), data, text)
                if progress is not None and done % 500 == 0:
                    progress(counting.count)
    except ValueError as exc:  # json.JSONDecodeError included
        raise SourceError(
            f"JSON tronqué ou invalide après l'enregistrement n° {done} (octet {counting.count} environ) : {exc}. "
            "Aucun enregistrement de ce fichier n'est importé."
        ) from exc
    finally:
        stream.close()
        disk.close()


def _local(tag: str) -> str:
    """The element's name without its namespace: the official schemas (XSD) have none, but a file may declare
    one (``<marches xmlns="...">``) and its elements are the same."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def element_to_data(element):
    """XML element → JSON-like data: text, or dict of children, repeated tags become lists."""
    if len(element) == 0:
        text = element.text
        if text is None:
            return None
        text = text.strip()
        return text or None
    data: dict = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # comment or processing instruction
            continue
        tag = _local(tag)
        value = element_to_data(child)
        if tag in data:
            previous = data[tag]
            if isinstance(previous, list) and getattr(previous, "_repeated", False):
                previous.append(value)
            else:
                repeated = _Repeated([previous, value])
                data[tag] = repeated
        else:
            data[tag] = value
    return data


class _Repeated(list):
    _repeated = True


def _xml_parser_kwargs():
    # Hardened: no DTD, no entity resolution, no network, no huge tree (billion laughs, XXE).
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def _iter_xml(info: SourceInfo, progress: Callable[[int], None] | None) -> Iterator[RawRecord]:
    raw_file = open(info.path, "rb")
    counting = _Counting(raw_file)
    disk = io.BufferedReader(counting, CHUNK)
    stream = gzip.GzipFile(fileobj=disk, mode="rb") if info.compressed else disk
    if info.encoding not in ("utf-8",) and not _declares_encoding(info):
        stream = io.BufferedReader(_Utf8Reader(stream, info.encoding), CHUNK)
    positions = {MARKET: 0, CONCESSION: 0}
    root_checked = False
    single = False
    try:
        context = etree.iterparse(stream, events=("start", "end"), **_xml_parser_kwargs())
        for event, element in context:
            if event == "start":
                if not root_checked:
                    root_checked = True
                    root = _local(element.tag)
                    if root in positions:  # a file holding one record (official 1.5 example)
                        single = True
                    elif root != "marches":
                        raise SourceError(
                            f"Élément racine « {element.tag} » au lieu de « marches » : "
                            "ce fichier XML ne suit pas le format DECP."
                        )
                continue
            if not isinstance(element.tag, str):
                continue
            tag = _local(element.tag)
            parent = element.getparent()
            if tag not in positions or not (single if parent is None else _local(parent.tag) == "marches"):
                continue
            positions[tag] += 1
            yield RawRecord(positions[tag], tag, element_to_data(element))
            element.clear(keep_tail=False)
            while parent is not None and element.getprevious() is not None:
                del parent[0]
            if progress is not None and (positions[MARKET] + positions[CONCESSION]) % 500 == 0:
                progress(counting.count)
    except etree.XMLSyntaxError as exc:
        done = positions[MARKET] + positions[CONCESSION]
        raise SourceError(
            f"XML invalide ou tronqué après l'enregistrement n° {done} : {exc}. "
            "Aucun enregistrement de ce fichier n'est importé."
        ) from exc
    finally:
        stream.close()
        disk.close()
        raw_file.close()


def _declares_encoding(info: SourceInfo) -> bool:
    with _open_bytes(info.path, info.compressed) as handle:
        head = handle.read(200)
    return head.lstrip(codecs.BOM_UTF8).startswith(b"<?xml") and b"encoding=" in head.split(b"?>")[0]


def iter_records(
    path: Path, info: SourceInfo | None = None, *, progress: Callable[[int], None] | None = None
) -> Iterator[RawRecord]:
    """Yield the records of a DECP file one by one; raise SourceError for a file-level problem.

    ``progress`` is called now and then with the number of bytes of the file read so far.
    """
    info = info or inspect(path)
    if info.format in ("csv", "parquet"):
        from spaser.imports.pipelines import decp_tabular

        yield from decp_tabular.iter_records(info, progress)
    elif info.format == "json":
        yield from _iter_json(info, progress)
    else:
        yield from _iter_xml(info, progress)
