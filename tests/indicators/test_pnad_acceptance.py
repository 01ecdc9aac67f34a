"""Acceptance: on the shared real 2024-format DECP files, each PNAD indicator stored by the registry equals
the value this test computes on its own from the raw JSON, per buyer and per year, by count and by amount.

The independent computation reads the files with ``json`` only: markets of ``marches.marche``, identified by
(acheteur.id, id), notified in the year (``dateNotification``), considered as environmental when
``considerationsEnvironnementales`` holds a value other than "Pas de considération environnementale" (same for
social). A few real records share an identifier with different contents (same publication date): the test
then checks that the importer kept one of the published versions and uses that version. Records the importer
put in quarantine are left out (the test checks there are few).
"""

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from spaser.accounts.models import Organisation
from spaser.contracts.models import Contract
from spaser.imports.enums import ImportStatus
from spaser.imports.models import QuarantinedRecord
from spaser.imports.services import decp_import_file
from spaser.indicators.models import IndicatorValue
from spaser.indicators.services import indicator_values_compute

REAL_V2 = Path(__file__).resolve().parents[3] / "shared" / "data" / "decp" / "real" / "v2"
pytestmark = pytest.mark.skipif(not REAL_V2.is_dir(), reason="shared/data absent")

NO_ENV = "Pas de considération environnementale"
NO_SOC = "Pas de considération sociale"
KINDS = {
    "environmental_clause": ("env", "Clause environnementale"),
    "environmental_criterion": ("env", "Critère environnemental"),
    "social_clause": ("soc", "Clause sociale"),
    "social_criterion": ("soc", "Critère social"),
    "social_reserved": ("soc", "Marché réservé"),
}


def raw_markets():
    versions = defaultdict(list)
    for path in sorted(REAL_V2.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for record in data["marches"].get("marche", []):
            versions[(record["acheteur"]["id"], str(record["id"]))].append(record)
    return versions


def _measured(record):
    env = record.get("considerationsEnvironnementales", {}).get("considerationEnvironnementale", [])
    soc = record.get("considerationsSociales", {}).get("considerationSociale", [])
    return (record.get("dateNotification"), record.get("montant"), sorted(env), sorted(soc))


def _put(values, rows, key, count_flag):
    total = len(rows)
    with_amount = [row for row in rows if row["amount"] is not None]
    total_amount = sum((row["amount"] for row in with_amount), Decimal(0))
    part = sum(1 for row in rows if count_flag(row))
    values[f"contracts.{key}_share"] = (Decimal(part) * 100 / total, total)
    amount = sum((row["amount"] for row in with_amount if count_flag(row)), Decimal(0))
    values[f"contracts.{key}_amount_share"] = (
        (amount * 100 / total_amount) if total_amount else None,
        len(with_amount),
    )


def expected_values():
    """{(buyer siret, year): {key: (value, record count)}} computed from the raw JSON only."""
    quarantined = set(QuarantinedRecord.objects.values_list("buyer_siret", "external_id"))
    kept = {(c.buyer_siret, c.external_id): c.raw_data for c in Contract.objects.filter(kind="market")}
    buckets = defaultdict(list)
    for key, records in raw_markets().items():
        if key in quarantined:
            continue
        if len({json.dumps(_measured(r), sort_keys=True) for r in records}) > 1:
            assert _measured(kept[key]) in [_measured(r) for r in records], key
            record = kept[key]
        else:
            record = records[-1]
        notified = record.get("dateNotification")
        if not notified:
            continue
        buckets[(record["acheteur"]["id"], int(notified[:4]))].append(record)
    expected = {}
    for (buyer, year), records in buckets.items():
        rows = []
        for record in records:
            env = set(record["considerationsEnvironnementales"]["considerationEnvironnementale"])
            soc = set(record["considerationsSociales"]["considerationSociale"])
            amount = record.get("montant")
            rows.append({"env": env, "soc": soc, "amount": Decimal(str(amount)) if amount is not None else None})
        values = {}
        _put(values, rows, "pnad_environmental", lambda row: bool(row["env"] - {NO_ENV}))
        _put(values, rows, "pnad_social", lambda row: bool(row["soc"] - {NO_SOC}))
        for kind, (side, label) in KINDS.items():
            _put(values, rows, f"pnad_{kind}", lambda row, side=side, label=label: label in row[side])
        expected[(buyer, year)] = values
    return expected


def import_and_compute():
    for path in sorted(REAL_V2.glob("*.json")):
        run = decp_import_file(path=path)
        assert run.status == ImportStatus.SUCCEEDED, run.error
    years = list(range(2005, 2027))
    for organisation in Organisation.objects.filter(contracts__isnull=False).distinct():
        indicator_values_compute(organisation=organisation, years=years)


def test_every_pnad_value_matches_the_raw_json_per_buyer_and_year():
    import_and_compute()
    assert QuarantinedRecord.objects.count() <= 5
    expected = expected_values()
    assert len(expected) > 40  # many buyers and years: the comparison is not vacuous
    stored = {
        (value.organisation.siret, value.year, value.key): value
        for value in IndicatorValue.objects.select_related("organisation").filter(key__startswith="contracts.pnad_")
    }
    compared = 0
    non_zero = 0
    for (buyer, year), values in expected.items():
        for key, (value, count) in values.items():
            got = stored.get((buyer, year, key))
            if value is None:
                assert got is None or got.value is None, (buyer, year, key)
                continue
            assert got is not None, (buyer, year, key)
            assert got.record_count == count, (buyer, year, key)
            assert abs(got.value - value) < Decimal("0.0001"), (buyer, year, key, got.value, value)
            compared += 1
            non_zero += value > 0
    assert compared > 500
    assert non_zero > 30
    # Nothing stored that the raw files do not justify.
    expected_keys = {(buyer, year, key) for (buyer, year), values in expected.items() for key in values}
    assert set(stored) <= expected_keys
