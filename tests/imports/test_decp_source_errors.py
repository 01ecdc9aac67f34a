"""What a user reads when a DECP file cannot be read: a French message saying what is wrong and where, and
explicit limits (nesting depth, text length) that no file can push past (no RecursionError, no English)."""

import codecs
import gzip
import json

import pytest

from spaser.imports.pipelines import decp_source as src
from tests.imports.test_decp_pipeline import market


def write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def refusal(path) -> str:
    with pytest.raises(src.SourceError) as caught:
        list(src.iter_records(path))
    return str(caught.value)


def two_records(**changes):
    return json.dumps({"marches": {"marche": [market(id="1"), market(id="2", **changes)]}}, indent=1)


ENGLISH = ("Expecting", "line ", "column ", "Unterminated", "Premature", "mismatch", "XML_PARSE_HUGE", "Error")


def assert_french(message):
    assert not any(word in message for word in ENGLISH), message
    assert "Aucun enregistrement de ce fichier n'est importé" in message


def test_unexpected_character_names_line_column_and_record(tmp_path):
    text = two_records().replace('"id": "2"', '"id": x2"')
    bad = text.index("x2")
    line, column = text[:bad].count("\n") + 1, bad - text.rfind("\n", 0, bad)
    message = refusal(write(tmp_path, "x.json", text.encode()))
    assert message.startswith(
        f"JSON invalide ligne {line}, colonne {column} (dans l'enregistrement n° 2) : valeur attendue"
    )
    assert "caractère « x » trouvé" in message
    assert_french(message)


def test_missing_comma_between_records(tmp_path):
    first = json.dumps(market(id="1"))
    text = '{"marches": [' + first + " " + json.dumps(market(id="2")) + "]}"
    message = refusal(write(tmp_path, "x.json", text.encode()))
    assert message.startswith(f"JSON invalide ligne 1, colonne {len(first) + 15} ")
    assert "après l'enregistrement n° 1" in message and "« , » ou « ] » attendu, caractère « { » trouvé" in message
    assert_french(message)


def test_line_and_column_are_counted_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(src, "CHUNK", 50)
    text = two_records()
    second = text.index('"id": "2"')
    text = text[:second] + text[second:].replace('"objet"', "'objet'", 1)
    bad = text.index("'objet'")
    line = text[:bad].count("\n") + 1
    column = bad - text.rfind("\n", 0, bad)
    message = refusal(write(tmp_path, "x.json", text.encode()))
    assert f"ligne {line}, colonne {column} (dans l'enregistrement n° 2)" in message
    assert "nom de clé entre guillemets doubles attendu" in message


def test_unterminated_string_and_truncated_file(tmp_path):
    text = two_records()
    cut = text[: text.index('"id": "2"') + 9]
    message = refusal(write(tmp_path, "cut.json", cut.encode()))
    assert message.startswith("Fichier JSON tronqué : le texte s'arrête dans l'enregistrement n° 2 (ligne ")
    assert_french(message)
    message = refusal(write(tmp_path, "cut2.json", text[: text.rindex("]")].encode()))
    assert message.startswith("Fichier JSON tronqué : le texte s'arrête après l'enregistrement n° 2")
    assert "« , » ou « ] » attendu, fin du fichier atteinte" in message


def test_control_character_in_a_string(tmp_path):
    text = json.dumps({"marches": [market(objet="Lot\tA")]}).replace("\\t", "\t")
    message = refusal(write(tmp_path, "x.json", text.encode()))
    assert "caractère de contrôle" in message and "dans l'enregistrement n° 1" in message
    assert_french(message)


def test_nan_is_refused_in_french(tmp_path):
    text = '{"marches": [{"id": "1", "montant": NaN}]}'
    message = refusal(write(tmp_path, "x.json", text.encode()))
    assert "NaN n'est pas une valeur JSON" in message


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_is_refused_before_the_decoder_recurses(tmp_path, opening):
    """100,000 levels: the decoder (recursive) would raise RecursionError; the scanner stops at the limit."""
    closing = "]" if opening == "[" else "}"
    deep = opening * 100_000 + "1" + closing * 100_000
    text = '{"marches": {"marche": [' + json.dumps(market()) + "," + deep + "]}}"
    message = refusal(write(tmp_path, "deep.json", text.encode()))
    assert f"imbrication de plus de {src.MAX_DEPTH} niveaux" in message
    assert "dans l'enregistrement n° 2" in message or "après l'enregistrement n° 1" in message
    assert_french(message)


def test_nesting_at_the_limit_is_read_and_one_more_level_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(src, "MAX_DEPTH", 10)
    # The file's own structure takes 3 levels ({ marches: { marche: [ ), the record 7 more: exactly 10.
    record = {"id": "1", "x": [[[[[["fin"]]]]]]}
    ok = write(tmp_path, "ok.json", json.dumps({"marches": {"marche": [record]}}).encode())
    assert [r.data for r in src.iter_records(ok)] == [record]
    record["x"] = [record["x"]]
    too_deep = write(tmp_path, "deep.json", json.dumps({"marches": {"marche": [record]}}).encode())
    assert "imbrication de plus de 10 niveaux" in refusal(too_deep)


def test_brackets_inside_strings_do_not_count(tmp_path, monkeypatch):
    monkeypatch.setattr(src, "MAX_DEPTH", 5)  # { marches: { marche: [ then the record and one array
    monkeypatch.setattr(src, "CHUNK", 64)
    records = [{"id": str(n), "objet": '[[[[{{{{ « lot » \\" [[[[' * 5, "cpv": ["x"]} for n in range(5)]
    path = write(tmp_path, "ok.json", json.dumps({"marches": {"marche": records}}).encode())
    assert [r.data["objet"] for r in src.iter_records(path)] == [r["objet"] for r in records]


def test_text_longer_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(src, "MAX_TEXT_CHARS", 1000)
    ok = write(tmp_path, "ok.json", json.dumps({"marches": [market(objet="a" * 1000)]}).encode())
    assert len(list(src.iter_records(ok))) == 1
    text = json.dumps({"marches": [market(id="1"), market(id="2", objet="a" * 1001)]})
    message = refusal(write(tmp_path, "long.json", text.encode()))
    assert "un texte dépasse 1000 caractères" in message and "enregistrement n° 2" in message
    xml = f"<marches><marche><id>1</id><objet>{'a' * 1001}</objet></marche></marches>"
    message = refusal(write(tmp_path, "long.xml", xml.encode()))
    assert "le texte de l'élément « objet » dépasse 1000 caractères" in message
    assert "ligne 1 (enregistrement n° 1)" in message


def test_default_limits():
    assert src.MAX_DEPTH == 64
    assert src.MAX_TEXT_CHARS == 1 << 20


XML_HEAD = "<marches>\n<marche><id>1</id><objet>a</objet></marche>\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "<marche><id>2</idx></marche>\n</marches>",
            "XML invalide ligne 3, colonne 20 (après l'enregistrement n° 1) : "
            "la balise « id » ouverte ligne 3 est fermée par « </idx> »",
        ),
        (
            "<marche><id>2\x01</id></marche>\n</marches>",
            "XML invalide ligne 3, colonne 14 (après l'enregistrement n° 1) : caractère interdit en XML (code 1)",
        ),
        (
            "<marche><objet>a & b</objet></marche>\n</marches>",
            "XML invalide ligne 3, colonne 19 (après l'enregistrement n° 1) : nom attendu",
        ),
        (
            "<marche><id>2</id></marche>\n</marches>\n<autre/>",
            "XML invalide ligne 5, colonne 1 (après l'enregistrement n° 2) : contenu en trop",
        ),
        ("<marche><id>2</id>", "Fichier XML tronqué : le texte s'arrête après l'enregistrement n° 1 (ligne 3, "),
    ],
)
def test_xml_errors_are_translated(tmp_path, body, expected):
    message = refusal(write(tmp_path, "x.xml", (XML_HEAD + body).encode()))
    assert message.startswith(expected), message
    assert_french(message)


def test_xml_text_node_over_the_parser_limit(tmp_path):
    """libxml2's own limit (10 million characters, "Text node too long, try XML_PARSE_HUGE")."""
    content = b"<marches><marche><objet>" + b"a" * 10_000_001 + b"</objet></marche></marches>"
    message = refusal(write(tmp_path, "huge.xml", content))
    assert "un texte dépasse la longueur maximale acceptée" in message
    assert_french(message)


def test_xml_nesting_is_limited(tmp_path):
    content = "<marches><marche>" + "<a>" * 100 + "</a>" * 100 + "</marche></marches>"
    message = refusal(write(tmp_path, "deep.xml", content.encode()))
    assert "imbrication de plus de 64 niveaux d'éléments" in message and "ligne 1" in message
    content = "<marches>" + "<a>" * 100_000
    message = refusal(write(tmp_path, "deeper.xml", content.encode()))
    assert "imbrication" in message
    assert_french(message)


def test_gzip_truncated_or_corrupted(tmp_path):
    packed = gzip.compress(two_records().encode() * 50)
    with pytest.raises(
        src.SourceError, match=r"^Archive gzip tronquée : .* \(vers l'octet \d+ du fichier compressé\)"
    ):
        src.inspect(write(tmp_path, "cut.json.gz", packed[: len(packed) // 2]))
    corrupted = bytearray(packed)
    corrupted[-6] ^= 0xFF  # the CRC of the content
    with pytest.raises(src.SourceError, match="^Archive gzip illisible : la somme de contrôle"):
        src.inspect(write(tmp_path, "crc.json.gz", bytes(corrupted)))
    corrupted = bytearray(packed)
    corrupted[len(packed) // 2 : len(packed) // 2 + 20] = b"\xff" * 20
    with pytest.raises(src.SourceError, match="^Archive gzip illisible"):
        src.inspect(write(tmp_path, "bad.json.gz", bytes(corrupted)))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [False, True])
def test_utf16_and_utf32_read_with_or_without_byte_order_mark(tmp_path, encoding, bom):
    text = json.dumps({"marches": [market(objet="Élagage à Orléans – lot n° 2 €")]}, ensure_ascii=False)
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding)
    mark = mark or {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding]
    path = write(tmp_path, "wide.json", (mark if bom else b"") + text.encode(encoding))
    info = src.inspect(path)
    assert (info.encoding, info.bom, info.format) == (encoding, bom, "json")
    (record,) = src.iter_records(path, info)
    assert record.data["objet"] == "Élagage à Orléans – lot n° 2 €"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_xml_with_its_declaration_and_without_mark(tmp_path, encoding):
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<marches><marche><id>1</id><objet>Élagage</objet></marche></marches>'
    )
    path = write(tmp_path, "wide.xml", text.encode(encoding))
    assert src.inspect(path).encoding == encoding
    (record,) = src.iter_records(path)
    assert record.data["objet"] == "Élagage"


def test_utf16_xml_with_a_dtd_is_refused(tmp_path):
    text = '<?xml version="1.0"?><!DOCTYPE marches [<!ENTITY a "b">]><marches/>'
    with pytest.raises(src.SourceError, match="DTD"):
        src.inspect(write(tmp_path, "dtd.xml", text.encode("utf-16-le")))


def test_broken_utf16_is_an_encoding_error(tmp_path):
    content = json.dumps({"marches": [market()]}).encode("utf-16-le") + b"\x00\xdc"  # a lone low surrogate
    with pytest.raises(src.SourceError, match="^Encodage illisible : le fichier commence comme du texte UTF-16"):
        src.inspect(write(tmp_path, "bad.json", content))


def test_inspect_reports_its_progress(tmp_path):
    path = write(tmp_path, "p.json.gz", gzip.compress(two_records().encode() * 20))
    calls = []
    src.inspect(path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert calls[0] == (size, 2 * size)  # the hash pass (one chunk)
    assert calls[-1] == (2 * size, 2 * size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"marches": []}', "JSON"),
        (b"\xef\xbb\xbf<marches/>", "XML"),
        ('{"marches": []}'.encode("utf-16-le"), "JSON (UTF-16 (petit-boutiste))"),
        (gzip.compress(b"<marches/>", mtime=0), "XML (gzip)"),
        (b"id;objet", ""),
    ],
)
def test_sniff_tells_the_format_from_the_first_bytes(head, expected):
    assert src.sniff(head, "x") == expected
