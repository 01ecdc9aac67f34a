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
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from lxml import etree

from spaser.core.parse_errors import json_error_what

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
MARKET = "marche"
CONCESSION = "contrat-concession"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark begins it
    (codecs.BOM_UTF32_BE, "utf-32-be"),
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


def _detect_encoding(head: bytes) -> tuple[str | None, int]:
    """(encoding, length of its byte order mark) told by the first bytes; (None, 0) for 8-bit text.

    Without a byte order mark, UTF-16 and UTF-32 show in where the NUL bytes fall: a JSON or XML file begins
    with an ASCII character ({, [, <, a blank) whose code unit holds one byte and one or three NULs."""
    for mark, name in _BOMS:
        if head.startswith(mark):
            return name, len(mark)
    first = head[:4]
    if len(first) == 4 and first[:3] == b"\0\0\0" and first[3]:
        return "utf-32-be", 0
    if len(first) == 4 and first[0] and first[1:] == b"\0\0\0":
        return "utf-32-le", 0
    if len(first) >= 2 and not first[0] and first[1]:
        return "utf-16-be", 0
    if len(first) >= 2 and first[0] and not first[1]:
        return "utf-16-le", 0
    return None, 0


_ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 (petit-boutiste)",
    "utf-16-be": "UTF-16 (gros-boutiste)",
    "utf-32-le": "UTF-32 (petit-boutiste)",
    "utf-32-be": "UTF-32 (gros-boutiste)",
}
# Searched in the bytes, encoded like the file: a DTD or entity declaration (refused) and the 2024 concessions.
_MARKERS = {"dtd": ("<!DOCTYPE", "<!ENTITY"), "concessions": ('"contrat-concession"',)}


def gzip_error_french(exc: Exception, offset: int | None = None) -> str:
    where = f"vers l'octet {offset} du fichier compressé" if offset is not None else "fichier compressé"
    if isinstance(exc, EOFError):
        return (
            f"Archive gzip tronquée : les données compressées s'arrêtent avant leur fin ({where}). "
            "Le fichier a sans doute été mal copié ou téléchargé en partie."
        )
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile):
        return "Lecture du fichier impossible (erreur d'entrée-sortie du système) : réessayez ou déposez-le à nouveau."
    text = str(exc)
    if "CRC" in text or "length" in text.lower():
        why = "la somme de contrôle ne correspond pas au contenu (archive corrompue)"
    elif "Not a gzipped file" in text:
        why = "un membre de l'archive n'a pas d'en-tête gzip valide"
    else:
        why = "les données compressées sont corrompues"
    return f"Archive gzip illisible : {why} ({where})."


def inspect(path: Path, *, progress: Callable[[int, int], None] | None = None) -> SourceInfo:
    """Identity, size, compression, encoding and format of a DECP file, read through once compressed (SHA-256)
    and once decompressed (checks). ``progress(done, total)`` is called after each chunk of both passes."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Fichier introuvable : {path.name}")
    from spaser.imports.pipelines import decp_tabular  # imports this module: imported late

    tabular = decp_tabular.inspect(path)  # the national flat file (CSV or Parquet)
    if tabular is not None:
        return tabular
    size = path.stat().st_size
    total = 2 * size
    with open(path, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

    raw_file = open(path, "rb")
    counting = CountingReader(raw_file)
    handle = gzip.GzipFile(fileobj=counting, mode="rb") if compressed else counting
    found = {name: False for name in _MARKERS}
    try:
        head = handle.read(4096)
        encoding, bom_length = _detect_encoding(head)
        patterns = {
            name: [marker.encode(encoding or "ascii") for marker in markers] for name, markers in _MARKERS.items()
        }
        keep = max(len(pattern) for group in patterns.values() for pattern in group)
        strict = codecs.getincrementaldecoder(encoding or "utf-8")()
        is_utf8, cp1252_ok = True, True
        decoded = 0
        tail = b""
        chunk = head
        while chunk:
            window = tail + chunk
            for name, group in patterns.items():
                found[name] = found[name] or any(pattern in window for pattern in group)
            tail = chunk[-keep:]
            if encoding is not None or is_utf8:
                try:
                    strict.decode(chunk)
                except UnicodeDecodeError as exc:
                    if encoding is not None:
                        raise SourceError(_encoding_message(encoding, decoded + exc.start)) from exc
                    is_utf8 = False
            if encoding is None and not is_utf8 and cp1252_ok:
                try:
                    chunk.decode("cp1252")
                except UnicodeDecodeError:
                    cp1252_ok = False
            decoded += len(chunk)
            if progress is not None:
                progress(size + counting.count, total)
            chunk = handle.read(CHUNK)
        if encoding is not None or is_utf8:
            try:
                strict.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                if encoding is not None:
                    raise SourceError(_encoding_message(encoding, decoded)) from exc
                is_utf8 = False
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(gzip_error_french(exc, counting.count)) from exc
    finally:
        raw_file.close()

    bom = bom_length > 0
    if encoding is None:
        encoding = "utf-8" if is_utf8 else ("cp1252" if cp1252_ok else "latin-1")
    start = head[bom_length:].decode(encoding, errors="ignore").lstrip()
    if not start:
        raise SourceError("Fichier vide.")
    if start[0] in "{[":
        fmt = "json"
    elif start[0] == "<":
        fmt = "xml"
        if found["dtd"]:
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
        has_concessions=found["concessions"],
    )


def _encoding_message(encoding: str, offset: int) -> str:
    return (
        f"Encodage illisible : le fichier commence comme du texte {_ENCODING_LABELS.get(encoding, encoding)}, "
        f"mais l'octet {offset + 1} (après décompression) n'en est pas. Enregistrez-le en UTF-8."
    )


def sniff(head: bytes, name: str) -> str:
    """The format told by the first bytes of an uploaded file (« JSON », « XML (gzip) »…), shown in the journal
    before the whole file is checked; "" when they tell nothing."""
    if head[:4] == b"PAR1":
        return "Parquet (fichier national tabulaire)"
    compressed = head[:2] == b"\x1f\x8b"
    if compressed:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error:
            return "gzip illisible"
    encoding, bom_length = _detect_encoding(head)
    start = head[bom_length:].decode(encoding or "utf-8", errors="ignore").lstrip()
    fmt = {"{": "JSON", "[": "JSON", "<": "XML"}.get(start[:1], "")
    if not fmt and name.lower().removesuffix(".gz").endswith((".csv", ".tsv")):
        fmt = "CSV (fichier national tabulaire)"
    if not fmt:
        return ""
    details = [_ENCODING_LABELS[encoding]] if encoding and encoding != "utf-8" else []
    if compressed:
        details.append("gzip")
    return f"{fmt} ({', '.join(details)})" if details else fmt


_XML_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


class _Utf8Reader(io.RawIOBase):
    """Re-encodes a byte stream of any encoding to UTF-8 on the fly (the JSON scanner and lxml read UTF-8)."""

    def __init__(self, raw, encoding: str, *, xml: bool = False):
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.pending = b""
        # The XML declaration of a transcoded file names its former encoding: lxml must read UTF-8.
        self.declaration = "" if xml else None

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.pending:
            chunk = self.raw.read(CHUNK)
            text = self.decoder.decode(chunk, final=not chunk)
            if self.declaration is not None:
                self.declaration += text
                if "?>" not in self.declaration and len(self.declaration) < 500 and chunk:
                    continue
                text = _XML_ENCODING.sub(r'\1"UTF-8"', self.declaration, count=1)
                self.declaration = None
            self.pending = text.encode("utf-8")
            if not chunk:
                break
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class CountingReader(io.RawIOBase):
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
# Explicit limits of what a file may hold (settings, so that an operator can raise them): a DECP record nests
# objects and arrays five or six deep and its longest text is an object of a few thousand characters.
MAX_DEPTH = getattr(settings, "SPASER_IMPORT_MAX_DEPTH", 64)
MAX_TEXT_CHARS = getattr(settings, "SPASER_IMPORT_MAX_TEXT_CHARS", 1 << 20)

# Strings, a last one left open by the end of the buffer included, and the brackets: to walk the nesting.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.S)
_NOT_QUOTE_OR_BRACKET = bytes(byte for byte in range(256) if byte not in b'[]{}"')


class _NestingFilter:
    """An upper bound of the nesting depth reached in each chunk of UTF-8 JSON bytes, cheap enough to run on
    every chunk (a few milliseconds a megabyte, all in C: ``bytes.translate`` and ``bytes.replace``).

    Brackets inside strings do not count: escaped backslashes and quotes are dropped, then everything but
    brackets and quotes; two adjacent quotes are then an empty string or two strings side by side, dropped
    too, and the few quotes left delimit strings that hold brackets. Innermost pairs of brackets are then
    removed one kind at a time: each removal goes one level up at most, so their number plus the brackets
    left open bounds the depth."""

    def __init__(self):
        self.depth = 0  # at the end of the bytes seen (for a well-formed text)
        self.in_string = False
        self.escaped = False  # the last chunk ended on a backslash inside a string

    def may_exceed(self, chunk: bytes, limit: int) -> bool:
        if self.escaped and chunk:
            chunk, self.escaped = chunk[1:], False
        if b"\\" in chunk:
            chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
            self.escaped = chunk.endswith(b"\\")  # a backslash stands in a string only
        brackets = chunk.translate(None, _NOT_QUOTE_OR_BRACKET)
        if self.in_string:
            brackets = b'"' + brackets
        brackets = brackets.replace(b'""', b"")
        self.in_string = False
        if b'"' in brackets:
            parts = brackets.split(b'"')
            self.in_string = len(parts) % 2 == 0
            brackets = b"".join(parts[::2])
        start = self.depth
        opened = brackets.count(b"[") + brackets.count(b"{")
        self.depth += 2 * opened - len(brackets)
        if start + opened <= limit:
            return False
        removals, idle = 0, 0
        while idle < 2 and start + removals <= limit:
            reduced = brackets.replace(b"[]" if removals % 2 else b"{}", b"")
            idle = idle + 1 if len(reduced) == len(brackets) else 0
            brackets = reduced
            removals += 1
        return start + removals + brackets.count(b"[") + brackets.count(b"{") > limit


def _nesting_too_deep(text: str, allowed: int) -> int | None:
    """Index in ``text`` of the first bracket that opens deeper than ``allowed`` (text read from depth 0, not
    inside a string), or None; walked bracket by bracket, once the filter has flagged the text."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > allowed:
                return match.start()
        elif char in "]}":
            depth -= 1
    return None


def _longest_text(value) -> int:
    """Length of the longest string (value or key) in decoded JSON data, walked without recursion."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return longest


class _JsonProblem(Exception):
    """A syntax error or a limit exceeded, with its place in the file (line and column of the text)."""

    def __init__(self, message: str, line: int, column: int, *, truncated: bool = False):
        super().__init__(message)
        self.message, self.line, self.column, self.truncated = message, line, column, truncated


class _JsonScanner:
    """Walks the JSON text down to the arrays of records and decodes one record at a time with the C
    decoder of the standard library (``raw_decode``), keeping each record's text (the publication as it
    was, stored with the contract). Memory: one chunk of text plus the record being read.

    Every chunk is checked for nesting deeper than ``MAX_DEPTH`` before the decoder reads it: the decoder
    recurses once per level and a file of ``[[[[…`` would exhaust Python's recursion limit."""

    def __init__(self, stream):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.raw_decode = json.JSONDecoder(parse_constant=_refuse_constant).raw_decode
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.depth = 0  # objects and arrays opened by the scanner itself (outside records)
        self.too_deep_at = None  # index in the buffer of the first bracket opened deeper than MAX_DEPTH
        self.nesting = _NestingFilter()
        self.in_record = False
        # Where the buffer starts in the text: lines before it, column of its first character.
        self.line_base = 0
        self.column_base = 0

    def where(self, index: int) -> tuple[int, int]:
        """(line, column), from 1, of the character at ``index`` of the buffer."""
        newlines = self.buffer.count("\n", 0, index)
        if newlines:
            return self.line_base + newlines + 1, index - self.buffer.rfind("\n", 0, index)
        return self.line_base + 1, self.column_base + index + 1

    def problem(self, message: str, index: int | None = None, *, truncated: bool = False) -> _JsonProblem:
        return _JsonProblem(message, *self.where(self.pos if index is None else index), truncated=truncated)

    def fill(self) -> bool:
        """Append the next chunk; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise self.problem("octets invalides en UTF-8 : texte illisible", len(self.buffer)) from exc
        self.eof = not chunk
        newlines = self.buffer.count("\n", 0, self.pos)
        if newlines:
            self.line_base += newlines
            self.column_base = self.pos - self.buffer.rfind("\n", 0, self.pos) - 1
        else:
            self.column_base += self.pos
        self.buffer = self.buffer[self.pos :] + text
        if self.too_deep_at is not None:
            self.too_deep_at -= self.pos
        elif self.nesting.may_exceed(chunk, MAX_DEPTH):
            self.too_deep_at = _nesting_too_deep(self.buffer, MAX_DEPTH - self.depth)
        self.pos = 0
        return True

    def check_depth(self):
        """Refuses the value at the current position if it holds the first bracket found too deep: the
        decoder never reads it (the values before it are read, so that the message names its record)."""
        if self.too_deep_at is None:
            return
        depth = 0
        for match in _STRING_OR_BRACKET.finditer(self.buffer, self.pos, self.too_deep_at):
            char = match.group()
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            if depth <= 0:
                return  # the value ends before it
        raise self.problem(
            f"imbrication de plus de {MAX_DEPTH} niveaux d'objets ou de tableaux (limite de la plateforme)",
            self.too_deep_at,
        )

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
        if not found:
            raise self.problem(f"{what} attendu, fin du fichier atteinte", truncated=True)
        if found != char:
            raise self.problem(f"{what} attendu, caractère « {found} » trouvé")
        self.pos += 1
        if char in "[{":
            self.depth += 1
        elif char in "]}":
            self.depth -= 1

    def value(self):
        """(decoded value, its text) of the JSON value at the current position."""
        self.peek()
        if len(self.buffer) - self.pos < READ_AHEAD:
            self.fill()
        while True:
            self.check_depth()
            try:
                value, end = self.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buffer) - self.pos <= MAX_RECORD_CHARS and self.fill():
                    continue
                raise self._decode_problem(exc) from exc
            except ValueError as exc:  # NaN, Infinity: refused by parse_constant, message in French
                raise self.problem(str(exc)) from exc
            if end == len(self.buffer) and not self.eof and self.fill():
                continue  # a number or literal may go on in the next chunk
            if end - self.pos > MAX_TEXT_CHARS and _longest_text(value) > MAX_TEXT_CHARS:
                raise self.problem(
                    f"un texte dépasse {MAX_TEXT_CHARS} caractères (limite de la plateforme pour une valeur)"
                )
            text = self.buffer[self.pos : end]
            self.pos = end
            return value, text

    def _decode_problem(self, exc: json.JSONDecodeError) -> _JsonProblem:
        if len(self.buffer) - self.pos > MAX_RECORD_CHARS:
            return self.problem(f"enregistrement de plus de {MAX_RECORD_CHARS} caractères ou jamais terminé")
        message = json_error_what(exc.msg)
        index = min(exc.pos, len(self.buffer))
        truncated = index >= len(self.buffer.rstrip()) or exc.msg.startswith("Unterminated string")
        if not truncated and exc.msg.startswith("Expecting") and index < len(self.buffer):
            message += f", caractère « {self.buffer[index]} » trouvé"
        return self.problem(message, index, truncated=truncated)

    def keys(self):
        """Keys of the object at the current position; the caller reads or skips each value."""
        self.expect("{", "objet")
        if self.peek() == "}":
            self.expect("}", "« } »")
            return
        while True:
            if (found := self.peek()) != '"':
                seen = f"caractère « {found} » trouvé" if found else "fin du fichier atteinte"
                raise self.problem(f"clé entre guillemets attendue, {seen}", truncated=not found)
            key, _ = self.value()
            self.expect(":", "« : »")
            yield key
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}", "« , » ou « } »")
            return

    def items(self):
        """(value, text) of each element of the array at the current position."""
        self.expect("[", "tableau")
        if self.peek() == "]":
            self.expect("]", "« ] »")
            return
        while True:
            self.in_record = True
            item = self.value()
            self.in_record = False
            yield item
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]", "« , » ou « ] »")
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
    counting = CountingReader(disk)
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
    except _JsonProblem as exc:
        raise SourceError(_json_message(exc, done, scanner.in_record)) from exc
    finally:
        stream.close()
        disk.close()


NOTHING_IMPORTED = "Aucun enregistrement de ce fichier n'est importé."


def _json_message(problem: _JsonProblem, done: int, in_record: bool) -> str:
    place = f"ligne {problem.line}, colonne {problem.column}"
    record = f"dans l'enregistrement n° {done + 1}" if in_record else f"après l'enregistrement n° {done}"
    if problem.truncated:
        return (
            f"Fichier JSON tronqué : le texte s'arrête {record} ({place}) : {problem.message}. "
            f"Le fichier a sans doute été mal copié ou téléchargé en partie. {NOTHING_IMPORTED}"
        )
    return f"JSON invalide {place} ({record}) : {problem.message}. {NOTHING_IMPORTED}"


def _local(tag: str) -> str:
    """The element's name without its namespace: the official schemas (XSD) have none, but a file may declare
    one (``<marches xmlns="...">``) and its elements are the same."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


class _TextTooLong(Exception):
    def __init__(self, tag: str, line: int | None):
        super().__init__(tag)
        self.tag, self.line = tag, line


def element_to_data(element):
    """XML element → JSON-like data: text, or dict of children, repeated tags become lists."""
    if len(element) == 0:
        text = element.text
        if text is None:
            return None
        if len(text) > MAX_TEXT_CHARS:
            raise _TextTooLong(_local(element.tag), element.sourceline)
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
    counting = CountingReader(raw_file)
    disk = io.BufferedReader(counting, CHUNK)
    stream = gzip.GzipFile(fileobj=disk, mode="rb") if info.compressed else disk
    if info.encoding not in ("utf-8",) and not _declares_encoding(info):
        stream = io.BufferedReader(_Utf8Reader(stream, info.encoding, xml=True), CHUNK)
    positions = {MARKET: 0, CONCESSION: 0}
    root_checked = False
    single = False
    try:
        context = etree.iterparse(stream, events=("start", "end"), **_xml_parser_kwargs())
        depth = 0
        for event, element in context:
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise SourceError(
                        f"XML invalide ligne {element.sourceline} "
                        f"(après l'enregistrement n° {positions[MARKET] + positions[CONCESSION]}) : imbrication de "
                        f"plus de {MAX_DEPTH} niveaux d'éléments (limite de la plateforme). {NOTHING_IMPORTED}"
                    )
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
            depth -= 1
            if not isinstance(element.tag, str):
                continue
            tag = _local(element.tag)
            parent = element.getparent()
            if tag not in positions or not (single if parent is None else _local(parent.tag) == "marches"):
                continue
            positions[tag] += 1
            try:
                data = element_to_data(element)
            except _TextTooLong as exc:
                raise SourceError(
                    f"XML refusé ligne {exc.line} (enregistrement n° {positions[tag]}) : le texte de l'élément "
                    f"« {exc.tag} » dépasse {MAX_TEXT_CHARS} caractères (limite de la plateforme pour une valeur). "
                    f"{NOTHING_IMPORTED}"
                ) from exc
            yield RawRecord(positions[tag], tag, data)
            element.clear(keep_tail=False)
            while parent is not None and element.getprevious() is not None:
                del parent[0]
            if progress is not None and (positions[MARKET] + positions[CONCESSION]) % 500 == 0:
                progress(counting.count)
    except etree.XMLSyntaxError as exc:
        raise SourceError(_xml_message(exc, positions[MARKET] + positions[CONCESSION])) from exc
    finally:
        stream.close()
        disk.close()
        raw_file.close()


_XML_ERRORS = {
    etree.ErrorTypes.ERR_TAG_NAME_MISMATCH: "balise fermante qui ne correspond pas à la balise ouverte",
    etree.ErrorTypes.ERR_TAG_NOT_FINISHED: "le fichier s'arrête avant la fermeture d'une balise",
    etree.ErrorTypes.ERR_DOCUMENT_END: "contenu en trop après la fin du document",
    etree.ErrorTypes.ERR_DOCUMENT_EMPTY: "document vide",
    etree.ErrorTypes.ERR_INVALID_CHAR: "caractère interdit en XML",
    etree.ErrorTypes.ERR_INVALID_ENCODING: "octets invalides dans l'encodage du fichier",
    etree.ErrorTypes.ERR_UNSUPPORTED_ENCODING: "encodage déclaré inconnu",
    etree.ErrorTypes.ERR_NAME_REQUIRED: "nom attendu : un « < » ou un « & » est sans doute resté non échappé",
    etree.ErrorTypes.ERR_ENTITYREF_SEMICOL_MISSING: "point-virgule manquant après une référence d'entité « & »",
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY: "entité non déclarée",
    etree.ErrorTypes.ERR_ATTRIBUTE_NOT_STARTED: "valeur d'attribut sans guillemets",
    etree.ErrorTypes.ERR_ATTRIBUTE_NOT_FINISHED: "valeur d'attribut sans guillemet fermant",
    etree.ErrorTypes.ERR_ATTRIBUTE_WITHOUT_VALUE: "attribut sans valeur",
    etree.ErrorTypes.ERR_ATTRIBUTE_REDEFINED: "attribut répété dans une balise",
    etree.ErrorTypes.ERR_GT_REQUIRED: "« > » attendu pour fermer la balise",
    etree.ErrorTypes.ERR_LTSLASH_REQUIRED: "balise fermante « </ » attendue",
    etree.ErrorTypes.ERR_SPACE_REQUIRED: "espace attendu",
    etree.ErrorTypes.ERR_STRING_NOT_CLOSED: "texte sans guillemet fermant",
    etree.ErrorTypes.ERR_COMMENT_NOT_FINISHED: "commentaire jamais fermé",
    etree.ErrorTypes.ERR_CDATA_NOT_FINISHED: "section CDATA jamais fermée",
    etree.ErrorTypes.ERR_RESERVED_XML_NAME: "déclaration XML ailleurs qu'au début du fichier",
}
_XML_TRUNCATED = {etree.ErrorTypes.ERR_TAG_NOT_FINISHED, etree.ErrorTypes.ERR_DOCUMENT_EMPTY}
_XML_MISMATCH = re.compile(r"mismatch: (\S+) line (\d+) and ([^,\s]+)")
_XML_UNFINISHED = re.compile(r"in tag (\S+) line (\d+)")
_XML_CHAR = re.compile(r"Char value (\d+)")


def _xml_message(exc: etree.XMLSyntaxError, done: int) -> str:
    """French message for an lxml (libxml2) syntax error: what, where, after which record."""
    line, column = exc.position if exc.position and exc.position[0] else (exc.lineno, (exc.offset or 0) + 1)
    text = exc.msg or ""
    what = _XML_ERRORS.get(exc.code, "syntaxe XML invalide")
    if exc.code == etree.ErrorTypes.ERR_TAG_NAME_MISMATCH and (match := _XML_MISMATCH.search(text)):
        what = f"la balise « {match[1]} » ouverte ligne {match[2]} est fermée par « </{match[3]}> »"
    elif exc.code == etree.ErrorTypes.ERR_TAG_NOT_FINISHED and (match := _XML_UNFINISHED.search(text)):
        what = f"la balise « {match[1]} » ouverte ligne {match[2]} n'est jamais fermée"
    elif exc.code == etree.ErrorTypes.ERR_INVALID_CHAR and (match := _XML_CHAR.search(text)):
        what = f"caractère interdit en XML (code {match[1]})"
    elif "Text node too long" in text or "huge" in text.lower() and "text" in text.lower():
        what = "un texte dépasse la longueur maximale acceptée (10 millions de caractères)"
    elif "Excessive depth" in text:
        what = f"imbrication d'éléments trop profonde (plus de {MAX_DEPTH} niveaux acceptés)"
    elif text.startswith("no element found") or (not line and exc.code == etree.ErrorTypes.ERR_INTERNAL_ERROR):
        what = "aucun élément : le document est vide ou s'arrête avant sa première balise"
    place = f"ligne {line}, colonne {column}" if line else "au début du fichier"
    if exc.code in _XML_TRUNCATED or text.startswith("Premature end") or text.startswith("no element found"):
        return (
            f"Fichier XML tronqué : le texte s'arrête après l'enregistrement n° {done} ({place}) : {what}. "
            f"Le fichier a sans doute été mal copié ou téléchargé en partie. {NOTHING_IMPORTED}"
        )
    return f"XML invalide {place} (après l'enregistrement n° {done}) : {what}. {NOTHING_IMPORTED}"


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
