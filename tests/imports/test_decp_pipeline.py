"""Pure pipeline tests (no database): extraction of every real and official file, crafted bad inputs."""

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from spaser.contracts import enums
from spaser.imports.pipelines import decp, decp_source as src
from tests.imports.conftest import SHARED_DATA

SHARED = SHARED_DATA / "decp"
REPO_DATA = Path(__file__).resolve().parents[2] / "spaser" / "imports" / "data" / "decp"
REAL_FILES = sorted((SHARED / "real").glob("*/*.json"))
EXAMPLE_FILES = sorted((SHARED / "examples").glob("*"))

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="shared/data absent")


def read_all(path):
    ok, rejected = [], []
    for record in src.iter_records(path):
        try:
            ok.append((record, decp.transform(record.data, kind=record.kind)))
        except decp.RowRejected as exc:
            rejected.append((record, exc))
    return ok, rejected


def count_json_records(path):
    data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))["marches"]
    if isinstance(data, list):
        return len(data)
    return len(data.get("marche", [])) + len(data.get("contrat-concession", []))


@pytest.mark.parametrize("path", REAL_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_real_and_official_file_is_read_without_loss(path):
    ok, rejected = read_all(path)
    if path.suffix == ".json":
        assert len(ok) + len(rejected) == count_json_records(path)
    assert ok, "at least one valid record"
    # Every real record is understood: the anomalies are repaired or flagged, none is rejected.
    assert rejected == []


def test_repository_copies_are_the_shared_real_files():
    for path in REAL_FILES:
        copy = REPO_DATA / (path.name + ".gz")
        assert gzip.decompress(copy.read_bytes()) == path.read_bytes()


def test_gzip_copy_reads_like_the_original():
    ok_gz, _ = read_all(REPO_DATA / "dematis18.json.gz")
    ok, _ = read_all(SHARED / "real" / "v2" / "dematis18.json")
    assert [row.content_hash() for _, row in ok_gz] == [row.content_hash() for _, row in ok]


def test_region_contracts_present_in_marches_publics_info():
    ok, _ = read_all(SHARED / "real" / "v1" / "marches-publics.info.json")
    region = [row for _, row in ok if row.buyer_siret == "23450002300028"]
    assert len(region) == 7


def test_2024_file_with_concession_reads_both_lists():
    ok, _ = read_all(SHARED / "real" / "v2" / "dematis17.json")
    kinds = [row.kind for _, row in ok]
    assert kinds.count(enums.ContractKind.CONCESSION) == 1
    assert kinds.count(enums.ContractKind.MARKET) == 158


def test_xml_and_json_official_examples_give_the_same_market():
    (_, from_xml), *_ = read_all(SHARED / "examples" / "v1.5_mar-avec-modifications.xml")[0]
    (_, from_json), *_ = read_all(SHARED / "examples" / "v1.5_mar-avec-modifications.json")[0]
    # The two official files differ only by the id and the number of modifications.
    for name in ("buyer_siret", "object", "cpv", "procedure", "holders", "initial_amount", "place_code"):
        assert getattr(from_xml, name) == getattr(from_json, name)
    assert len(from_xml.modifications) == 3 and len(from_json.modifications) == 1
    assert from_xml.modifications[0] == from_json.modifications[0]


def test_v2_example_considerations_are_multi_valued():
    ok, _ = read_all(SHARED / "examples" / "v2_Marche.xml")
    row = ok[0][1]
    assert row.social == (enums.SocialConsideration.CLAUSE, enums.SocialConsideration.CRITERION)
    assert row.environmental == (enums.EnvironmentalConsideration.CLAUSE,)
    assert row.innovative is True  # "oui" in XML
    assert row.techniques == (enums.Technique.DESIGN_CONTEST, enums.Technique.FRAMEWORK_AGREEMENT)


def test_year_typo_repaired_only_when_publication_confirms_it():
    ok, _ = read_all(SHARED / "real" / "v1" / "marches-publics.info.json")
    row = next(row for _, row in ok if row.external_id == "021803cloture00")
    assert str(row.notified_on) == "2018-10-29"
    assert "date_corrigee:dateNotification" in row.anomalies
    # "0204-06-06" published 2024-06-06: 2004 would be a guess; the date is left unknown and flagged.
    ok, _ = read_all(SHARED / "real" / "v2" / "dematis19.json")
    flagged = [row for _, row in ok if "date_impossible_ignoree:acteSousTraitance.dateNotification" in row.anomalies]
    assert len(flagged) == 1
    assert all(act["date_notification"] != "2004-06-06" for act in flagged[0].subcontracting_acts)


# --- crafted records ------------------------------------------------------------------------------

V2_MARKET = {
    "id": "2024-001",
    "acheteur": {"id": "23450002300028"},
    "nature": "Marché",
    "objet": "Entretien des espaces verts",
    "codeCPV": "77313000-7",
    "techniques": {"technique": ["Accord-cadre"]},
    "modalitesExecution": {"modaliteExecution": ["Bons de commande"]},
    "marcheInnovant": False,
    "ccag": "Fournitures courantes et services",
    "offresRecues": 3,
    "attributionAvance": True,
    "tauxAvance": 0.05,
    "typeGroupementOperateurs": "Pas de groupement",
    "sousTraitanceDeclaree": False,
    "procedure": "Procédure adaptée",
    "lieuExecution": {"code": "45234", "typeCode": "Code commune"},
    "dureeMois": 12,
    "dateNotification": "2024-03-01",
    "datePublicationDonnees": "2024-03-05",
    "montant": 120000,
    "typesPrix": {"typePrix": ["Définitif révisable"]},
    "formePrix": "Unitaire",
    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900869"}}],
    "considerationsSociales": {"considerationSociale": ["Clause sociale", "Critère social"]},
    "considerationsEnvironnementales": {"considerationEnvironnementale": ["Pas de considération environnementale"]},
    "modifications": [
        {
            "modification": {
                "id": 2,
                "dateNotificationModification": "2024-09-01",
                "datePublicationDonneesModification": "2024-09-02",
                "montant": 150000,
            }
        },
        {
            "modification": {
                "id": 1,
                "dateNotificationModification": "2024-06-01",
                "datePublicationDonneesModification": "2024-06-02",
                "montant": 130000,
                "dureeMois": 18,
            }
        },
    ],
}


def market(**changes):
    record = json.loads(json.dumps(V2_MARKET))
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def test_v2_market_normalised():
    row = decp.transform(market())
    assert row.uid == "234500023000282024-001"
    assert row.cpv == "77313000"
    assert row.advance_rate == Decimal("0.0500")
    assert row.initial_amount == Decimal("120000.00")
    # Modifications applied in the order of their id, the last non-null value wins.
    assert [m.number for m in row.modifications] == [1, 2]
    assert row.current_amount == Decimal("150000.00")
    assert row.current_duration == 18
    assert str(row.last_published_on) == "2024-09-02"
    assert row.format_version == "2024"
    assert row.anomalies == []


def test_hybrid_shapes_are_flattened():
    row = decp.transform(
        market(
            acheteur=None,
            **{"acheteur.id": "23450002300028"},
            titulaires=[[{"typeIdentifiant": "SIRET", "id": "552 045 999 00869"}]],
            considerationsSociales=["Clause sociale"],
            modifications={
                "modification": {"id": 1, "montant": 1, "datePublicationDonneesModification": "2024-05-01"}
            },
        )
    )
    assert row.buyer_siret == "23450002300028"
    assert row.holders == (decp.Holder("SIRET", "55204599900869"),)
    assert row.social == ("clause",)
    assert len(row.modifications) == 1


@pytest.mark.parametrize(
    ("field", "published", "expected"),
    [
        ("procedure", "Procédure concurrentielle avec négociation", "negotiated"),
        ("procedure", "APPEL D'OFFRES OUVERT", "open_tender"),
        ("nature", "MARCHE", "market"),
        ("ccag", "Maîtrise d'oeuvre", "project_management"),
    ],
)
def test_label_variants_are_normalised(field, published, expected):
    row = decp.transform(market(**{field: published}))
    assert getattr(row, field) == expected


@pytest.mark.parametrize(
    ("published", "expected"),
    [("TVA_INTRACOMMUNAUTAIRE", "TVA"), ("HORS_UE", "HORS-UE"), ("FRW", "FRWF"), ("siret", "SIRET")],
)
def test_identifier_type_variants(published, expected):
    row = decp.transform(market(titulaires=[{"titulaire": {"typeIdentifiant": published, "id": "X1"}}]))
    assert row.holders[0].id_type == expected


def test_an_overlong_place_code_is_cut_and_flagged():
    row = decp.transform(market(lieuExecution={"code": "45000 Orléans Loiret", "typeCode": "Code postal"}))
    assert row.place_code == "45000 Orlé" and "code_lieu_tronque:lieuExecution.code" in row.anomalies


def test_lieu_execution_type_variant():
    row = decp.transform(market(lieuExecution={"code": "45", "typeCode": "CODE DEPARTEMENT"}))
    assert row.place_type == enums.PlaceType.DEPARTEMENT


@pytest.mark.parametrize(
    ("published", "expected", "flag"),
    [
        ("2018-12-17+01:00", "2018-12-17", None),
        ("2019-1-1", "2019-01-01", None),
        ("2018-12-17T10:00:00Z", "2018-12-17", None),
        # Day first, as French spreadsheets write them: read and flagged, every time.
        ("22/06/2023", "2023-06-22", "date_jj_mm_aaaa:dateNotification"),
        ("1/2/2023", "2023-02-01", "date_jj_mm_aaaa:dateNotification"),
    ],
)
def test_date_variants(published, expected, flag):
    for _ in range(2):  # the second read comes from the caches
        row = decp.transform(market(dateNotification=published))
        assert str(row.notified_on) == expected
        assert (flag in row.anomalies) if flag else not row.anomalies


@pytest.mark.parametrize("published", ["31/02/2023", "2023/06/22", "06-22-2023", "22.06.2023"])
def test_unreadable_dates_leave_the_field_empty_and_keep_the_record(published):
    row = decp.transform(market(dateNotification=published))
    assert row.notified_on is None
    assert f"date_invalide:dateNotification:{published}" in row.anomalies


@pytest.mark.parametrize(
    ("published", "expected", "flag"),
    [
        ("3111000", "03111000", "cpv_corrige:codeCPV:3111000"),
        ("031210005", "03121000", None),
        ("4543100-7", "45431000", "cpv_corrige:codeCPV:4543100-7"),
        ("74000000-9", "74000000", "cpv_hors_nomenclature"),
    ],
)
def test_cpv_repairs_confirmed_by_the_nomenclature(published, expected, flag):
    row = decp.transform(market(codeCPV=published))
    assert row.cpv == expected
    assert (flag in row.anomalies) if flag else not row.anomalies


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"montant": 0}, "montant_nul:montant"),
        ({"montant": 1e17}, "montant_aberrant_ignore:montant"),
        ({"dureeMois": "NC"}, "non_communique:dureeMois"),
        ({"offresRecues": 0}, "offres_recues_nulles"),
        ({"attributionAvance": False}, "taux_avance_sans_avance"),
        ({"dateNotification": None}, "champ_manquant:dateNotification"),
        ({"objet": "SociÃ©tÃ© gÃ©nÃ©rale"}, "texte_reencode:objet"),
        ({"objet": "Soci\ufffdt\ufffd"}, "caracteres_illisibles:objet"),
        ({"_type": "Marché"}, "champ_type_obsolete"),
    ],
)
def test_suspicious_values_are_kept_and_flagged(changes, flag):
    row = decp.transform(market(**changes))
    assert flag in row.anomalies


def test_mojibake_is_repaired():
    assert decp.transform(market(objet="SociÃ©tÃ© gÃ©nÃ©rale")).object == "Société générale"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"id": None}, "champ_manquant"),
        ({"id": ""}, "champ_manquant"),
        ({"acheteur": None}, "champ_manquant"),
        ({"acheteur": {"id": "2345"}}, "siret_invalide"),
    ],
)
def test_only_records_that_cannot_be_identified_are_rejected(changes, code):
    with pytest.raises(decp.RowRejected) as exc:
        decp.transform(market(**changes))
    assert code in exc.value.codes
    assert all(" : " in reason for reason in exc.value.reasons)


@pytest.mark.parametrize(
    ("changes", "attribute", "empty", "flag"),
    [
        ({"nature": None}, "nature", "", "champ_manquant:nature"),
        (
            {"procedure": "Procédure au doigt mouillé"},
            "procedure",
            "",
            "valeur_inconnue:procedure:Procédure au doigt mouillé",
        ),
        (
            {"considerationsSociales": {"considerationSociale": ["Clause magique"]}},
            "social",
            (),
            "valeur_inconnue:considerationsSociales:Clause magique",
        ),
        ({"montant": "beaucoup"}, "initial_amount", None, "type_invalide:montant:beaucoup"),
        ({"montant": -5}, "initial_amount", None, "montant_negatif:montant:-5"),
        ({"montant": True}, "initial_amount", None, "type_invalide:montant:true"),
        ({"dureeMois": {"mois": 3}}, "duration_months", None, 'type_invalide:dureeMois:{"mois": 3}'),
        ({"dateNotification": "hier"}, "notified_on", None, "date_invalide:dateNotification:hier"),
        ({"dateNotification": "2024-02-30"}, "notified_on", None, "date_invalide:dateNotification:2024-02-30"),
        ({"marcheInnovant": "peut-être"}, "innovative", None, "type_invalide:marcheInnovant:peut-être"),
        ({"objet": ["a", "b"]}, "object", "", 'type_invalide:objet:["a", "b"]'),
        ({"codeCPV": "abc"}, "cpv", "", "cpv_invalide:codeCPV:abc"),
        ({"codeCPV": "0"}, "cpv", "", "cpv_invalide:codeCPV:0"),
    ],
)
def test_what_cannot_be_understood_leaves_the_field_empty_and_keeps_the_record(changes, attribute, empty, flag):
    row = decp.transform(market(**changes))
    assert getattr(row, attribute) == empty
    assert flag in row.anomalies
    assert row.external_id == market()["id"] and row.buyer_siret == market()["acheteur"]["id"]


def test_every_finding_is_reported_at_once():
    row = decp.transform(market(montant="x", procedure="?", nature=None))
    codes = {anomaly.split(":", 1)[0] for anomaly in row.anomalies}
    assert {"champ_manquant", "type_invalide", "valeur_inconnue"} <= codes
    with pytest.raises(decp.RowRejected) as exc:
        decp.transform(market(id=None, montant="x", procedure="?"))
    assert exc.value.codes == ["champ_manquant"]


def test_non_object_record_rejected():
    with pytest.raises(decp.RowRejected):
        decp.transform(42)


def test_same_contract_from_two_platforms_has_the_same_fingerprint():
    first = decp.transform(market(), source="plateforme-a")
    second = decp.transform(market(source="plateforme-b"))
    assert first.source != second.source
    assert first.content_hash() == second.content_hash()
    assert decp.transform(market(montant=1)).content_hash() != first.content_hash()


NOT_FINGERPRINTED = ("source", "buyer_name", "format_version", "anomalies")
FINGERPRINTED = [name for name in decp.ContractRow.__slots__ if name not in NOT_FINGERPRINTED]
MODIFICATION = decp.Modification(1, 1, "Avenant", dt.date(2024, 1, 2), dt.date(2024, 1, 3), 12, Decimal("5.00"), None)
# Another value for every fingerprinted field of the row of market().
OTHER_VALUES = {
    "kind": enums.ContractKind.CONCESSION,
    "buyer_siret": "23450002300029",
    "external_id": "2024-002",
    "nature": enums.Nature.PARTNERSHIP,
    "object": "Autre objet",
    "cpv": "45000000",
    "procedure": enums.Procedure.OPEN_TENDER,
    "techniques": (),
    "execution_modalities": ("tranches",),
    "framework_id": "AC-1",
    "innovative": None,
    "ccag": "",
    "offers_received": None,
    "advance": None,
    "advance_rate": None,
    "grouping": "joint",
    "subcontracting_declared": None,
    "subcontracting_acts": ({"id": 1},),
    "place_code": "45001",
    "place_type": enums.PlaceType.POSTCODE,
    "place_name": "Orléans",
    "duration_months": None,
    "notified_on": None,
    "published_on": dt.date(2000, 1, 1),
    "start_on": dt.date(2024, 1, 1),
    "initial_amount": None,
    "public_subsidy": Decimal("1.00"),
    "price_form": "",
    "price_types": (),
    "eu_origin_share": Decimal("0.5000"),
    "fr_origin_share": Decimal("0.2500"),
    "social": None,
    "environmental": None,
    "holders": (),
    "modifications": (),
}


@pytest.mark.parametrize("path", REAL_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_fingerprint_is_still_the_hash_of_the_repr_of_the_field_values(path):
    """The fingerprint is assembled piecewise for speed; it must stay the hash of repr() of the list of
    values, the text of every stored fingerprint."""
    rows = [row for _, row in read_all(path)[0]]
    market_row = decp.transform(market())
    rows += [
        market_row,
        dataclasses.replace(market_row, holders=()),
        dataclasses.replace(market_row, holders=market_row.holders * 2, subcontracting_acts=({"id": 1},)),
    ]
    for row in rows:
        text = repr([getattr(row, name) for name in FINGERPRINTED])
        assert row.content_hash() == hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def test_fingerprint_changes_with_every_fingerprinted_field_and_only_them():
    row = decp.transform(market())
    digest = row.content_hash()
    assert sorted(OTHER_VALUES) == sorted(FINGERPRINTED)
    for name, value in OTHER_VALUES.items():
        assert getattr(row, name) != value, name
        assert dataclasses.replace(row, **{name: value}).content_hash() != digest, name
    unhashed = {"source": "ailleurs", "buyer_name": "Autre", "format_version": "2019", "anomalies": ["montant_nul"]}
    assert dataclasses.replace(row, **unhashed).content_hash() == digest
    assert len(digest) == 32 and int(digest, 16) >= 0


@pytest.mark.parametrize(
    "first, second",
    [
        ({"duration_months": None}, {"duration_months": 0}),
        ({"initial_amount": None}, {"initial_amount": Decimal("0.00")}),
        ({"innovative": None}, {"innovative": False}),
        ({"social": None}, {"social": ()}),
        ({"framework_id": ""}, {"framework_id": "None"}),
        ({"object": "", "framework_id": "0"}, {"object": "0", "framework_id": ""}),
        # Field boundaries: a text holding a control character, a quote or what looks like the next field.
        # (objet and codeCPV are next to each other in the hashed text)
        ({"object": "a\x1f'b'", "cpv": ""}, {"object": "a", "cpv": "'b'\x1f"}),
        ({"object": "a', 'b"}, {"object": "a"}),
        ({"techniques": ("a", "b")}, {"techniques": ("a', 'b",)}),
        ({"techniques": ("a",), "execution_modalities": ()}, {"techniques": (), "execution_modalities": ("a",)}),
        (
            {"holders": (decp.Holder("SIRET", "1", "a\x1e'SIRET\x1d2"),)},
            {"holders": (decp.Holder("SIRET", "1", "a"), decp.Holder("SIRET", "2"))},
        ),
        ({"holders": (decp.Holder("SIRET", "1"),)}, {"holders": (decp.Holder("SIRET", "1", "None"),)}),
        ({"modifications": ()}, {"modifications": (MODIFICATION,)}),
        (
            {"modifications": (MODIFICATION,)},
            {"modifications": (dataclasses.replace(MODIFICATION, holders=(decp.Holder("SIRET", "1"),)),)},
        ),
        ({"modifications": (MODIFICATION,)}, {"modifications": (dataclasses.replace(MODIFICATION, amount=None),)}),
        ({"modifications": (MODIFICATION,)}, {"modifications": (MODIFICATION, MODIFICATION)}),
    ],
)
def test_fingerprint_tells_apart_none_empty_zero_and_field_boundaries(first, second):
    row = decp.transform(market())
    assert dataclasses.replace(row, **first).content_hash() != dataclasses.replace(row, **second).content_hash()


# --- crafted files --------------------------------------------------------------------------------


def write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def wrap_2019(*records):
    return json.dumps({"marches": list(records)}, ensure_ascii=False)


def test_bom_file_is_read(tmp_path):
    path = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + wrap_2019(market()).encode())
    info = src.inspect(path)
    assert info.bom and info.encoding == "utf-8"
    assert len(read_all(path)[0]) == 1


def test_latin1_file_is_transcoded(tmp_path):
    path = write(tmp_path, "latin.json", wrap_2019(market(objet="Réfection de la toiture")).encode("latin-1"))
    info = src.inspect(path)
    assert info.encoding == "cp1252"
    (_, row), *_ = read_all(path)[0]
    assert row.object == "Réfection de la toiture"


def test_utf16_file_with_bom_is_read(tmp_path):
    path = write(tmp_path, "utf16.json", wrap_2019(market(objet="Élagage")).encode("utf-16"))
    (_, row), *_ = read_all(path)[0]
    assert row.object == "Élagage"


def test_truncated_json_is_refused_as_a_whole(tmp_path):
    content = json.dumps({"marches": {"marche": [market(), market(id="2")]}}).encode()
    path = write(tmp_path, "cut.json", content[: len(content) - 40])
    with pytest.raises(src.SourceError, match="tronqué"):
        read_all(path)


@pytest.mark.parametrize("chunk, read_ahead", [(7, 16), (64, 1 << 16), (1000, 300), (1 << 20, 1 << 16)])
def test_records_read_alike_wherever_the_chunks_cut_the_text(tmp_path, monkeypatch, chunk, read_ahead):
    """Records, their published text and their positions do not depend on where the reads cut the file: in a
    string, a multi-byte character, a number or between records; records longer than the read-ahead too."""
    long_object = "Réfection « toiture » – lot " + "é" * 2000
    records = [market(id=str(n), objet=long_object if n % 3 == 0 else f"Objet {n} à Orléans") for n in range(12)]
    records[4]["montant"] = 123456789.125
    content = json.dumps({"marches": {"marche": records}}, ensure_ascii=False, indent=1).encode()
    path = write(tmp_path, "chunks.json", content)
    monkeypatch.setattr(src, "CHUNK", chunk)
    monkeypatch.setattr(src, "READ_AHEAD", read_ahead)
    read = list(src.iter_records(path))
    assert [record.position for record in read] == list(range(1, 13))
    assert [record.data for record in read] == records
    assert [json.loads(record.text) for record in read] == records
    assert all(content.decode().count(record.text) == 1 for record in read)


def test_not_decp_files_are_refused(tmp_path):
    with pytest.raises(src.SourceError, match="ni du JSON ni du XML"):
        src.inspect(write(tmp_path, "a.txt", b"id;objet\n1;x\n"))
    # A .csv is read as the national flat file: its header must have that file's columns.
    with pytest.raises(src.SourceError, match="colonnes manquantes : acheteur_id, dateNotification, montant"):
        src.inspect(write(tmp_path, "a.csv", b"id;objet\n1;x\n"))
    with pytest.raises(src.SourceError, match="marches"):
        read_all(write(tmp_path, "b.json", b'{"data": [1, 2]}'))
    with pytest.raises(src.SourceError, match="racine"):
        read_all(write(tmp_path, "c.xml", b"<?xml version='1.0'?><html><body/></html>"))
    with pytest.raises(src.SourceError, match="vide"):
        src.inspect(write(tmp_path, "d.json", b"   \n"))


def test_top_level_array_and_schema_key_first(tmp_path):
    path = write(tmp_path, "arr.json", json.dumps([market()]).encode())
    assert len(read_all(path)[0]) == 1
    path = write(tmp_path, "schema.json", json.dumps({"$schema": "x", "marches": [market()]}).encode())
    assert len(read_all(path)[0]) == 1


def test_a_record_alone_under_its_2024_key_is_read(tmp_path):
    """XML-to-JSON converters write a single element as an object, not as an array of one."""
    content = {"marches": {"marche": market(id="M1"), "contrat-concession": {"id": "C1"}}}
    records = list(
        src.iter_records(path := write(tmp_path, "one.json", json.dumps(content).encode()), src.inspect(path))
    )
    assert [(record.kind, record.data["id"]) for record in records] == [(src.MARKET, "M1"), (src.CONCESSION, "C1")]
    assert records[0].text == json.dumps(market(id="M1"))
    path = write(tmp_path, "empty.json", json.dumps({"marches": {"marche": None, "contrat-concession": []}}).encode())
    assert read_all(path) == ([], [])


def test_records_under_an_unexpected_2024_key_refuse_the_file(tmp_path):
    """Concessions filed under a key of their own would be lost without a word: the file is refused, named."""
    content = {"marches": {"marche": [market()], "concessions": [{"id": "C1"}]}}
    path = write(tmp_path, "odd.json", json.dumps(content).encode())
    with pytest.raises(src.SourceError, match="« concessions » inattendue"):
        read_all(path)


def test_valid_neighbours_of_a_bad_record_are_kept(tmp_path):
    path = write(tmp_path, "mixed.json", wrap_2019(market(id="1"), market(id=None), "texte", market(id="3")).encode())
    ok, rejected = read_all(path)
    assert [row.external_id for _, row in ok] == ["1", "3"]
    assert [record.position for record, _ in rejected] == [2, 3]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<marches><marche><id>&lol3;</id></marche></marches>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE marches [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<marches><marche><id>1</id><objet>&xxe;</objet></marche></marches>"""


@pytest.mark.parametrize("content", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_xml_with_dtd_or_entities_is_refused(tmp_path, content):
    with pytest.raises(src.SourceError, match="DTD"):
        src.inspect(write(tmp_path, "evil.xml", content))


def test_xml_parser_itself_does_not_expand_entities(tmp_path):
    """Defence in depth: even past the pre-check, the parser neither loads nor expands entities."""
    path = write(tmp_path, "evil.xml", XXE)
    info = src.SourceInfo(path, len(XXE), "", False, "utf-8", False, "xml", False)
    try:
        records = list(src.iter_records(path, info))
    except src.SourceError:
        return
    assert "root:" not in json.dumps([r.data for r in records])


def test_truncated_xml_is_refused(tmp_path):
    content = (SHARED / "examples" / "v2_Marche.xml").read_bytes()
    with pytest.raises(
        src.SourceError, match="Fichier XML tronqué.*la balise « procedure » ouverte ligne 130 n'est jamais fermée"
    ):
        read_all(write(tmp_path, "cut.xml", content[:-300]))


@pytest.mark.parametrize(
    ("opening", "closing"),
    [('<marches xmlns="http://example.org/decp">', "</marches>"), ('<d:marches xmlns:d="urn:decp">', "</d:marches>")],
    ids=["default-namespace", "prefixed"],
)
def test_xml_elements_in_a_namespace_read_as_the_plain_ones(tmp_path, opening, closing):
    """The official schemas have no namespace; a file that declares one holds the same elements."""
    plain = (SHARED / "examples" / "v2_Marche.xml").read_text(encoding="utf-8")
    path = write(tmp_path, "ns.xml", plain.replace("<marches>", opening, 1).replace("</marches>", closing).encode())
    expected = [record.data for record in src.iter_records(SHARED / "examples" / "v2_Marche.xml")]
    records = list(src.iter_records(path))
    assert [record.data for record in records] == expected and len(records) == 2


def test_latin1_xml_with_declaration(tmp_path):
    content = (
        "<?xml version='1.0' encoding='ISO-8859-1'?><marches><marche><id>1</id><objet>Été</objet></marche></marches>"
    )
    path = write(tmp_path, "l.xml", content.encode("latin-1"))
    records = list(src.iter_records(path))
    assert records[0].data["objet"] == "Été"


def test_progress_is_reported(tmp_path):
    path = write(tmp_path, "many.json", wrap_2019(*[market(id=str(i)) for i in range(1200)]).encode())
    seen = []
    list(src.iter_records(path, progress=seen.append))
    assert len(seen) == 2 and seen == sorted(seen)
