"""Divergent duplicates: one (buyer SIRET, id) published twice for two different contracts, from a real record
(dematis13.json, buyer 28741020300015, id 2023-102-00). Both publications are kept, the contract shows the
newest, its anomalies list the published fields that differ, and importing again changes nothing."""

import copy
import json

import pytest

from spaser.contracts.models import Contract, ContractHolder, ContractPublication
from spaser.imports.enums import ImportStatus
from spaser.imports.services import decp_import_file
from tests.imports.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared/data absent")

REAL_FILE = SHARED_DATA / "decp" / "real" / "v2" / "dematis13.json"
BUYER, ID = "28741020300015", "2023-102-00"


def real_record():
    records = json.loads(REAL_FILE.read_text(encoding="utf-8"))["marches"]["marche"]
    return next(r for r in records if r["id"] == ID and r["acheteur"]["id"] == BUYER)


def other_contract(record, **changes):
    """Another contract published later under the same key."""
    other = copy.deepcopy(record)
    other["datePublicationDonnees"] = "2024-09-30"  # after the real record's modification (2024-07-12)
    other.update(changes)
    return other


def write(tmp_path, name, records):
    path = tmp_path / name
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), encoding="utf-8")
    return path


def state():
    return (
        sorted(Contract.objects.values_list("external_id", "content_hash", "sources", "anomalies", "object")),
        sorted(ContractPublication.objects.values_list("contract_id", "content_hash", "differences", "source")),
        sorted(ContractHolder.objects.values_list("contract_id", "identifier", "is_initial")),
    )


def imported(path):
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    return run


def outcomes(run):
    return (run.read_count, run.created_count, run.updated_count, run.unchanged_count, run.merged_count)


OTHER = {
    "objet": "Travaux de désamiantage du centre d'incendie et de secours",
    "dateNotification": "2024-09-01",
    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900012"}}],
}


def assert_both_kept(differences):
    contract = Contract.objects.get(buyer_siret=BUYER, external_id=ID)
    assert Contract.objects.count() == 1
    # The contract shows the newest publication.
    assert contract.object == OTHER["objet"]
    assert str(contract.notified_on) == "2024-09-01"
    assert list(contract.holders.filter(is_initial=True).values_list("identifier", flat=True)) == ["55204599900012"]
    assert contract.raw_data["objet"] == OTHER["objet"]
    # The other one is kept as published, with what differs.
    kept = contract.other_publications.get()
    assert kept.object.startswith("Prestations de maitrise d'oeuvre")
    assert str(kept.notified_on) == "2023-06-22"
    assert str(kept.published_on) == "2024-07-12"
    assert len(kept.holders) == 7 and kept.holders[0][1] == "82747808200023"
    assert kept.raw_data["objet"] == kept.object
    assert kept.differences == differences
    assert f"doublon_divergent:{','.join(differences)}" in contract.anomalies
    return contract, kept


def test_same_file_keeps_both_and_reimport_changes_nothing(tmp_path):
    record = real_record()
    path = write(tmp_path, "doublon.json", [record, other_contract(record, **OTHER)])
    run = imported(path)
    assert outcomes(run) == (2, 1, 0, 0, 1)
    assert run.anomalies_by_code["doublon_divergent"] == 1
    assert_both_kept(["objet", "titulaires", "dateNotification"])
    before = state()
    again = imported(path)
    assert outcomes(again) == (2, 0, 0, 2, 0)
    assert state() == before


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_two_files_in_either_order(tmp_path, newest_first):
    record = real_record()
    old = write(tmp_path, "ancien.json", [record])
    new = write(tmp_path, "nouveau.json", [other_contract(record, **OTHER)])
    first, second = (new, old) if newest_first else (old, new)
    imported(first)
    run = imported(second)
    assert run.anomalies_by_code["doublon_divergent"] == 1
    # The newer publication updates the contract; an older one from another file only adds its source.
    assert outcomes(run) == ((1, 0, 0, 0, 1) if newest_first else (1, 0, 1, 0, 0))
    _, kept = assert_both_kept(["objet", "titulaires", "dateNotification"])
    assert kept.source == "ancien.json"
    before = state()
    for path in (first, second, first):
        imported(path)
    assert state() == before


def test_same_file_reverse_order(tmp_path):
    record = real_record()
    path = write(tmp_path, "inverse.json", [other_contract(record, **OTHER), record])
    imported(path)
    assert_both_kept(["objet", "titulaires", "dateNotification"])


def test_only_the_fields_that_differ_are_listed(tmp_path):
    record = real_record()
    later = other_contract(record, dateNotification="2023-07-03")
    imported(write(tmp_path, "a.json", [record, later]))
    contract = Contract.objects.get()
    assert contract.anomalies == ["doublon_divergent:dateNotification"]
    assert contract.other_publications.get().differences == ["dateNotification"]


def test_a_later_publication_with_modifications_or_amounts_is_an_update_not_a_duplicate(tmp_path):
    record = real_record()
    later = other_contract(record, montant=800000)
    later["modifications"].append(
        {"modification": {"id": 2, "montant": 810000, "datePublicationDonneesModification": "2024-10-01"}}
    )
    # Holders listed in another order, object spelt with other spaces and case: the same contract.
    later["titulaires"] = list(reversed(later["titulaires"]))
    later["objet"] = "  " + record["objet"].upper()
    imported(write(tmp_path, "a.json", [record]))
    run = imported(write(tmp_path, "b.json", [later]))
    assert outcomes(run) == (1, 0, 1, 0, 0)
    assert "doublon_divergent" not in run.anomalies_by_code
    contract = Contract.objects.get()
    assert contract.modification_count == 2 and not contract.anomalies
    assert not ContractPublication.objects.exists()


def test_anomaly_survives_a_later_update_of_the_contract_shown(tmp_path):
    record = real_record()
    newest = other_contract(record, **OTHER)
    imported(write(tmp_path, "a.json", [record, newest]))
    update = copy.deepcopy(newest)
    update["modifications"] = [
        {"modification": {"id": 1, "montant": 1000, "datePublicationDonneesModification": "2024-12-01"}}
    ]
    run = imported(write(tmp_path, "b.json", [update]))
    assert outcomes(run) == (1, 0, 1, 0, 0)
    contract, _ = assert_both_kept(["objet", "titulaires", "dateNotification"])
    assert contract.modification_count == 1


def test_back_to_the_first_contract_drops_the_publication_that_no_longer_differs(tmp_path):
    """A, then B (another contract, newer), then A updated after B: A is shown again, B is kept, and the
    stored copy of A (same contract as the one shown) is no longer a divergent publication."""
    record = real_record()
    other = other_contract(record, **OTHER)
    imported(write(tmp_path, "a.json", [record, other]))
    back = copy.deepcopy(record)
    back["modifications"].append(
        {"modification": {"id": 2, "montant": 1, "datePublicationDonneesModification": "2025-01-15"}}
    )
    imported(write(tmp_path, "b.json", [back]))
    contract = Contract.objects.get()
    assert contract.object == record["objet"]
    kept = contract.other_publications.get()
    assert kept.object == OTHER["objet"]
    assert contract.anomalies == ["doublon_divergent:objet,titulaires,dateNotification"]


@pytest.mark.parametrize("divergent", [False, True], ids=["same-contract", "other-contract"])
def test_contracts_stored_before_the_identity_fingerprint_are_compared_on_their_details(tmp_path, divergent):
    """A contract without fingerprint (imported before it existed) is compared field by field, then gets one."""
    record = real_record()
    older = copy.deepcopy(record)
    older["datePublicationDonnees"] = "2023-06-20"
    older["modifications"] = []  # an older publication of the same contract
    imported(write(tmp_path, "a.json", [record]))
    Contract.objects.update(identity="")
    run = imported(write(tmp_path, "b.json", [other_contract(record, **OTHER) if divergent else older]))
    contract = Contract.objects.get()
    assert contract.identity != ""
    assert ContractPublication.objects.exists() is divergent
    assert ("doublon_divergent" in run.anomalies_by_code) is divergent
    assert contract.divergent_fields == ("objet,titulaires,dateNotification" if divergent else "")
