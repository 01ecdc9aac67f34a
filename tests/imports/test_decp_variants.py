"""Real records with the variants of real national files (issue #17): accepted, stored, flagged, never lost.

Each case starts from a real record of the shared files and changes one field the way the national 2019-format
file publishes it: the wording of a procedure, a CPV code that lost its leading zero or is unusable, no nature,
labels in capitals or without accents."""

import json

import pytest

from spaser.contracts.models import Contract
from spaser.imports.models import QuarantinedRecord
from spaser.imports.services import decp_import_file
from tests.imports.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared/data absent")

V1_FILE = SHARED_DATA / "decp" / "real" / "v1" / "marches-publics.info.json"
V2_FILE = SHARED_DATA / "decp" / "real" / "v2" / "dematis13.json"
LEGACY_NO_COMPETITION = "Marché négocié sans publicité ni mise en concurrence préalable"
PUBLIC_NO_COMPETITION = "Marché public négocié sans publicité ni mise en concurrence préalable"


def real_v1_markets():
    records = json.loads(V1_FILE.read_text(encoding="utf-8"))["marches"]
    return [r for r in records if r.get("_type") == "Marché" and r.get("nature") == "Marché"]


def real_v2_market():
    return json.loads(V2_FILE.read_text(encoding="utf-8"))["marches"]["marche"][0]


def import_records(tmp_path, records, name="variantes.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"marches": records}, ensure_ascii=False), encoding="utf-8")
    return decp_import_file(path=path)


def stored(record):
    return Contract.objects.get(buyer_siret=record["acheteur"]["id"], external_id=record["id"])


def test_each_variant_of_a_real_file_is_stored_and_flagged_with_its_original(tmp_path, geo_cvl):
    markets = real_v1_markets()
    legacy = next(r for r in markets if r["procedure"] == LEGACY_NO_COMPETITION)
    public_wording = dict(legacy, procedure=PUBLIC_NO_COMPETITION, id=legacy["id"] + "P")
    lost_zero = dict(markets[1], codeCPV="1110000")
    lost_zero_known = dict(markets[2], codeCPV="3111000")
    zero_cpv = dict(markets[3], codeCPV="0")
    no_nature = {key: value for key, value in markets[4].items() if key != "nature"}
    capitals = dict(
        markets[5],
        procedure=markets[5]["procedure"].upper(),
        lieuExecution=dict(markets[5]["lieuExecution"], typeCode="CODE POSTAL"),
    )
    records = [legacy, public_wording, lost_zero, lost_zero_known, zero_cpv, no_nature, capitals]
    run = import_records(tmp_path, records)

    assert run.rejected_count == 0 and QuarantinedRecord.objects.count() == 0
    assert run.created_count == len(records)

    for record in (legacy, public_wording):
        contract = stored(record)
        assert contract.procedure == "no_competition"
        assert f"libelle_normalise:procedure:{record['procedure']}" in contract.anomalies

    contract = stored(lost_zero)
    assert contract.cpv == "01110000"
    assert "cpv_corrige:codeCPV:1110000" in contract.anomalies and "cpv_hors_nomenclature" in contract.anomalies
    contract = stored(lost_zero_known)
    assert contract.cpv == "03111000" and contract.cpv_division == "03"
    assert "cpv_corrige:codeCPV:3111000" in contract.anomalies

    contract = stored(zero_cpv)
    assert contract.cpv == "" and "cpv_invalide:codeCPV:0" in contract.anomalies
    assert contract.object == zero_cpv["objet"].strip()

    contract = stored(no_nature)
    assert contract.nature == "" and "champ_manquant:nature" in contract.anomalies
    assert contract.holders.count() == len(no_nature["titulaires"])

    contract = stored(capitals)
    assert contract.place_type == "postcode"
    assert "libelle_normalise:lieuExecution.typeCode:CODE POSTAL" in contract.anomalies
    assert f"libelle_normalise:procedure:{capitals['procedure']}" in contract.anomalies
    # Only the wordings that are not official are flagged: the legacy record's other labels are read as they are.
    assert [a for a in stored(legacy).anomalies if a.startswith("libelle_normalise")] == [
        f"libelle_normalise:procedure:{LEGACY_NO_COMPETITION}"
    ]


def test_a_record_is_quarantined_only_when_it_cannot_be_identified(tmp_path, geo_cvl):
    markets = real_v1_markets()
    unknown_wording = dict(markets[0], procedure="Procédure au doigt mouillé", formePrix="Prix à la tête du client")
    no_id = {key: value for key, value in markets[1].items() if key != "id"}
    no_buyer = dict(markets[2], acheteur={"nom": "Sans SIRET"})
    run = import_records(tmp_path, [unknown_wording, no_id, no_buyer])

    assert (run.created_count, run.rejected_count) == (1, 2)
    contract = stored(unknown_wording)
    assert contract.procedure == "" and contract.price_form == ""
    assert "valeur_inconnue:procedure:Procédure au doigt mouillé" in contract.anomalies
    assert "valeur_inconnue:formePrix:Prix à la tête du client" in contract.anomalies
    assert sorted(QuarantinedRecord.objects.values_list("position", flat=True)) == [2, 3]
    assert run.rejected_by_reason == {"champ_manquant": 2}


def test_variants_of_a_real_2024_record(tmp_path, geo_cvl):
    record = real_v2_market()
    variant = dict(
        record,
        id=record["id"][:12] + "V",
        considerationsSociales={"considerationSociale": ["Clauses sociales"]},
        considerationsEnvironnementales={"considerationEnvironnementale": ["PAS DE CONSIDERATION ENVIRONNEMENTALE"]},
        ccag="Sans objet",
        typesPrix={"typePrix": ["Ferme"]},
    )
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"marches": {"marche": [record, variant]}}, ensure_ascii=False), encoding="utf-8")
    run = decp_import_file(path=path)
    assert (run.created_count, run.rejected_count) == (2, 0)
    contract = stored(variant)
    assert (contract.social_clause, contract.social_none) == (True, False)
    assert (contract.environmental_none, contract.environmental_clause) == (True, False)
    assert contract.ccag == "none" and contract.price_types == ["firm"]
    assert {
        "libelle_normalise:considerationsSociales:Clauses sociales",
        "libelle_normalise:considerationsEnvironnementales:PAS DE CONSIDERATION ENVIRONNEMENTALE",
        "libelle_normalise:ccag:Sans objet",
        "libelle_normalise:typesPrix:Ferme",
    } <= set(contract.anomalies)
    assert not any(a.startswith("libelle_normalise") for a in stored(record).anomalies)
