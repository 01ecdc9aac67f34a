"""Import of DECP files into the database: counts, idempotence, merge, quarantine, atomicity."""

import gzip
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection

from spaser.accounts.models import Organisation
from spaser.contracts.models import Contract, ContractHolder, ContractModification
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun, QuarantinedRecord
from spaser.imports.services import decp_import_file
from spaser.suppliers.models import Establishment, Supplier
from tests.imports.conftest import REPO_DECP, SHARED_DATA
from tests.imports.test_decp_pipeline import EXAMPLE_FILES, REAL_FILES, market

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared/data absent")


def counts(run):
    return {
        "read": run.read_count,
        "created": run.created_count,
        "updated": run.updated_count,
        "unchanged": run.unchanged_count,
        "merged": run.merged_count,
        "rejected": run.rejected_count,
    }


def adds_up(run):
    c = counts(run)
    return c["read"] == c["created"] + c["updated"] + c["unchanged"] + c["merged"] + c["rejected"]


def database_state():
    return (
        sorted(Contract.objects.values_list("buyer_siret", "external_id", "content_hash", "sources")),
        ContractHolder.objects.count(),
        ContractModification.objects.count(),
        Supplier.objects.count(),
        Organisation.objects.count(),
        QuarantinedRecord.objects.count(),
    )


def write_json(tmp_path, name, records, shape="2024"):
    body = {"marches": {"marche": records}} if shape == "2024" else {"marches": records}
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", REAL_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_real_and_official_file_imports_and_counts_add_up(path, geo_cvl):
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.read_count > 0
    assert adds_up(run)
    assert Contract.objects.count() == run.created_count
    # Same file again: nothing changes.
    before = database_state()
    again = decp_import_file(path=path)
    assert again.unchanged_count + again.rejected_count == again.read_count
    assert database_state()[:5] == before[:5]


def test_embedded_files_import_with_region_contracts_resolved_to_places(geo_cvl):
    for path in sorted(REPO_DECP.glob("*.json.gz")):
        run = decp_import_file(path=path)
        assert run.status == ImportStatus.SUCCEEDED and adds_up(run)
    region = Contract.objects.filter(buyer_siret="23450002300028")
    assert region.count() == 7
    # Contracts of Orléans (Loiret) are placed in their département and region.
    in_loiret = Contract.objects.filter(place_departement__code="45")
    assert in_loiret.exists()
    assert set(in_loiret.values_list("place_region__code", flat=True)) == {"24"}


def test_same_contract_from_two_platforms_is_merged_not_counted_twice(geo_cvl):
    pes = SHARED_DATA / "decp" / "real" / "v1" / "data.gouv.fr_pes.json"
    mpi = SHARED_DATA / "decp" / "real" / "v1" / "marches-publics.info.json"
    first = decp_import_file(path=pes)
    second = decp_import_file(path=mpi)
    assert second.merged_count > 0
    assert adds_up(second)
    assert Contract.objects.count() == first.created_count + second.created_count
    merged = Contract.objects.get(buyer_siret="20004921100010", external_id="2018P00300")
    assert merged.sources == ["data.gouv.fr_pes", "marches-publics.info"]


def test_dry_run_writes_nothing_but_the_journal(tmp_path, geo_cvl):
    path = write_json(tmp_path, "a.json", [market(id="1"), market(id="2", acheteur={"id": "x"})])
    run = decp_import_file(path=path, dry_run=True)
    assert run.status == ImportStatus.SUCCEEDED and run.dry_run
    assert counts(run) == {"read": 2, "created": 1, "updated": 0, "unchanged": 0, "merged": 0, "rejected": 1}
    assert Contract.objects.count() == 0 and QuarantinedRecord.objects.count() == 0
    assert ImportRun.objects.get(pk=run.pk).created_count == 1


def test_rejected_records_go_to_quarantine_and_valid_neighbours_are_kept(tmp_path, geo_cvl):
    records = [
        market(id="1"),
        market(id="2", acheteur={"id": "2345000230002"}, procedure="Procédure imaginaire"),
        market(id=None),
        market(id="4", acheteur={"id": "123"}),
        market(id="5"),
    ]
    run = decp_import_file(path=write_json(tmp_path, "mixed.json", records))
    assert counts(run)["created"] == 2 and run.rejected_count == 3
    assert run.rejected_by_reason == {"siret_invalide": 2, "champ_manquant": 1}
    quarantined = list(run.quarantine.order_by("position"))
    assert [(q.position, q.external_id) for q in quarantined] == [(2, "2"), (3, ""), (4, "4")]
    assert quarantined[0].buyer_siret == "2345000230002"
    assert "2345000230002" in quarantined[0].reasons[0]
    assert json.loads(quarantined[0].raw)["procedure"] == "Procédure imaginaire"


@pytest.mark.parametrize("flush_chars", [4_000_000, 1], ids=["by-count", "by-size"])
def test_rejections_spread_over_many_batches_are_all_quarantined(tmp_path, geo_cvl, monkeypatch, flush_chars):
    """Quarantined records are written by thousands (or by size), not with each batch: none is lost between
    batches or at the end of the file."""
    from spaser.imports import services

    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    monkeypatch.setattr(services, "QUARANTINE_FLUSH_CHARS", flush_chars)
    writes = []
    bulk_create = QuarantinedRecord.objects.bulk_create
    monkeypatch.setattr(
        QuarantinedRecord.objects,
        "bulk_create",
        lambda objs, **kw: writes.append(len(objs)) or bulk_create(objs, **kw),
    )
    records = [
        market(id=str(i), acheteur={"id": "inconnu"} if i % 4 == 0 else {"id": "23450002300028"}) for i in range(1, 23)
    ]
    run = decp_import_file(path=write_json(tmp_path, "spread.json", records))
    rejected = [str(i) for i in range(1, 23) if i % 4 == 0]
    assert run.rejected_count == len(rejected) == 5 and run.created_count == 17
    assert list(run.quarantine.order_by("position").values_list("external_id", flat=True)) == rejected
    assert writes == ([3, 2] if flush_chars > 1 else [1] * 5)  # by thousands: here by BATCH_SIZE, 3


def test_duplicated_ids_in_one_file_are_merged(tmp_path, geo_cvl):
    run = decp_import_file(path=write_json(tmp_path, "dup.json", [market(), market(), market(montant=5)]))
    assert counts(run) == {"read": 3, "created": 1, "updated": 0, "unchanged": 0, "merged": 2, "rejected": 0}
    assert Contract.objects.get().initial_amount == Decimal("120000.00")


def test_newer_publication_updates_the_contract(tmp_path, geo_cvl):
    decp_import_file(path=write_json(tmp_path, "v1.json", [market(modifications=None)]))
    contract = Contract.objects.get()
    assert contract.current_amount == Decimal("120000.00")
    run = decp_import_file(path=write_json(tmp_path, "v2.json", [market()]))
    assert counts(run)["updated"] == 1
    contract.refresh_from_db()
    assert contract.pk == Contract.objects.get().pk
    assert contract.current_amount == Decimal("150000.00")
    assert contract.modification_count == 2
    assert list(contract.modifications.values_list("number", flat=True)) == [1, 2]
    # The older publication, seen again afterwards, changes nothing.
    run = decp_import_file(path=tmp_path / "v1.json")
    assert counts(run)["merged"] + counts(run)["unchanged"] == 1
    contract.refresh_from_db()
    assert contract.current_amount == Decimal("150000.00")


def test_holders_suppliers_and_considerations_are_stored(tmp_path, geo_cvl):
    record = market(
        titulaires=[
            {"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900869"}},
            {"titulaire": {"typeIdentifiant": "HORS-UE", "id": "GB123"}},
        ],
        modifications=[
            {
                "modification": {
                    "id": 1,
                    "dateNotificationModification": "2024-06-01",
                    "datePublicationDonneesModification": "2024-06-02",
                    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900877"}}],
                }
            }
        ],
        lieuExecution={"code": "45000", "typeCode": "Code postal"},
    )
    decp_import_file(path=write_json(tmp_path, "h.json", [record]))
    contract = Contract.objects.get()
    holders = list(contract.holders.order_by("rank"))
    assert [(h.identifier, h.is_initial, h.is_current) for h in holders] == [
        ("55204599900869", True, False),
        ("GB123", True, False),
        ("55204599900877", False, True),
    ]
    # One supplier per SIREN, two establishments; the foreign holder keeps its identifier.
    assert Supplier.objects.filter(siren="552045999").count() == 1
    assert Establishment.objects.filter(supplier__siren="552045999").count() == 2
    assert Supplier.objects.get(siren__isnull=True).key == "HORS-UE:GB123"
    assert contract.social_clause and contract.social_criterion and not contract.social_reserved
    assert contract.environmental_none and not contract.environmental_clause
    assert contract.social_considerations == ["Clause sociale", "Critère social"]
    assert contract.place_commune.name == "Orléans"
    assert contract.buyer.siret == "23450002300028"


def stored_rows(model, pk_field, pks):
    """Each row as the database holds it: every column as returned by the driver, with its SQLite storage
    class (integer, real, text) where the column types do not fix it."""
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if field.column not in ("updated_at",)]
    selected = ", ".join(columns)
    if connection.vendor == "sqlite":
        selected += ", " + ", ".join(f"typeof({column})" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {table} WHERE {pk_field} IN ({', '.join(['%s'] * len(pks))}) ORDER BY id",
            list(pks),
        )
        return cursor.fetchall()


def test_bulk_rows_are_stored_as_the_orm_stores_them(tmp_path, geo_cvl):
    """The import binds plain values (0/1, ISO dates, decimals as text); re-saving each object through the ORM
    leaves every column exactly as it was, storage class included."""
    record = market(
        id="T1",
        montant=1234567.891,
        dateNotification="2024-05-02",
        datePublicationDonnees="2024-05-10",
        offresRecues=3,
        marcheInnovant=True,
        attributionAvance=False,
        tauxAvance=0.05,
        sousTraitanceDeclaree=True,
        origineUE=0.5,
        origineFrance=0.25,
        considerationsSociales={"considerationSociale": ["Clause sociale", "Critère social"]},
        considerationsEnvironnementales={"considerationEnvironnementale": ["Critère environnemental"]},
        titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900869"}}],
        modifications=[
            {
                "modification": {
                    "id": 1,
                    "montant": 1300000.5,
                    "dateNotificationModification": "2024-06-01",
                    "datePublicationDonneesModification": "2024-06-02",
                    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900877"}}],
                }
            }
        ],
    )
    run = decp_import_file(path=write_json(tmp_path, "types.json", [record, market(id="T2")]))
    assert run.created_count == 2, run.error
    contracts = list(Contract.objects.order_by("pk"))
    assert contracts[0].is_innovative is True and contracts[0].advance is False
    assert contracts[0].notified_on.isoformat() == "2024-05-02"
    assert contracts[0].initial_amount == Decimal("1234567.89")
    assert contracts[0].social_clause and contracts[0].environmental_criterion and not contracts[0].social_none
    holders = list(ContractHolder.objects.order_by("pk"))
    modifications = list(ContractModification.objects.order_by("pk"))
    assert [(h.is_initial, h.is_current) for h in holders[:2]] == [(True, False), (False, True)]
    assert modifications[0].amount == Decimal("1300000.5")
    for model, objects in ((Contract, contracts), (ContractHolder, holders), (ContractModification, modifications)):
        pks = [obj.pk for obj in objects]
        bulk = stored_rows(model, "id", pks)
        for obj in objects:
            obj.save()
        assert stored_rows(model, "id", pks) == bulk, model.__name__


def test_truncated_file_leaves_database_unchanged(tmp_path, geo_cvl):
    decp_import_file(path=write_json(tmp_path, "ok.json", [market(id="0")]))
    before = database_state()
    content = json.dumps({"marches": {"marche": [market(id=str(i)) for i in range(1, 2500)]}})
    path = tmp_path / "cut.json"
    path.write_text(content[: len(content) // 2])
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert "tronqué" in run.error
    assert run.read_count == 0
    assert database_state() == before


@pytest.mark.parametrize("refused", ["contract", "holder"])
def test_a_write_refused_by_the_database_fails_the_whole_import(tmp_path, geo_cvl, monkeypatch, refused, caplog):
    """The holders, then the contracts of a batch are left to PostgreSQL while the contracts are built and the
    next batch is read: a row the database refuses there still fails the whole import, leaves nothing written,
    and the connection serves the next import."""
    from spaser.contracts import services as contract_services
    from spaser.imports import services

    decp_import_file(path=write_json(tmp_path, "ok.json", [market(id="0")]))
    before = database_state()
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    name = "_build" if refused == "contract" else "_holders"
    original = getattr(contract_services.ContractLoader, name)

    def refused_kind(self, row, *args, **kwargs):
        values = original(self, row, *args, **kwargs)
        return ("bogus", *values[1:]) if row.external_id == "4" else values

    def refused_role(self, contract_id, row):
        holders = original(self, contract_id, row)
        # Neither initial nor current: the table's check constraint refuses it.
        return [(*holder[:-2], 0, 0) for holder in holders] if row.external_id == "4" else holders

    monkeypatch.setattr(
        contract_services.ContractLoader, name, refused_kind if refused == "contract" else refused_role
    )
    with pytest.raises(IntegrityError):
        decp_import_file(path=write_json(tmp_path, "refused.json", [market(id=str(i)) for i in range(1, 9)]))
    assert database_state() == before
    run = ImportRun.objects.latest("pk")
    # The user reads a French message; the traceback goes to the server's log.
    assert run.status == ImportStatus.FAILED and run.error == services.UNEXPECTED_ERROR.format(pk=run.pk)
    assert "IntegrityError" in caplog.text
    monkeypatch.setattr(contract_services.ContractLoader, name, original)
    again = decp_import_file(path=write_json(tmp_path, "again.json", [market(id=str(i)) for i in range(1, 9)]))
    assert again.status == ImportStatus.SUCCEEDED and again.created_count == 8


def test_an_interruption_while_a_copy_is_left_pending_leaves_the_connection_usable(tmp_path, geo_cvl, monkeypatch):
    """Ctrl-C while the end of the contracts' COPY is being sent (PostgreSQL, ``PendingCopy``): nothing is
    written, the same connection rolls back and serves the next import. SQLite has no pending COPY."""
    from spaser.contracts import bulk
    from spaser.imports import services

    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    send_copy_end = bulk._send_copy_end
    sent = []

    def interrupted(pgconn):
        yield from send_copy_end(pgconn)
        sent.append(1)
        if len(sent) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(bulk, "_send_copy_end", interrupted)
    driver_connection = connection.connection
    records = [market(id=str(i)) for i in range(1, 9)]
    if connection.vendor == "postgresql":
        with pytest.raises(KeyboardInterrupt):
            decp_import_file(path=write_json(tmp_path, "interrupted.json", records))
        assert connection.connection is driver_connection
        assert Contract.objects.count() == 0
    else:
        decp_import_file(path=write_json(tmp_path, "interrupted.json", records))
        assert sent == []
        Contract.objects.all().delete()
    monkeypatch.setattr(bulk, "_send_copy_end", send_copy_end)
    again = decp_import_file(path=write_json(tmp_path, "again.json", records))
    assert again.status == ImportStatus.SUCCEEDED and again.created_count == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not,decp\n1,2\n", "ni du JSON ni du XML"),
        (b'{"foo": []}', "marches"),
        (b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><marches/>', "DTD"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "bad.dat"
    path.write_bytes(content)
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.FAILED and message in run.error
    assert Contract.objects.count() == 0


def test_crash_mid_file_rolls_back_then_rerun_succeeds(tmp_path, geo_cvl, monkeypatch):
    from spaser.contracts import services

    path = write_json(tmp_path, "big.json", [market(id=str(i)) for i in range(2500)])
    original = services.ContractLoader.load
    calls = []

    def crash_on_second_batch(self, items):
        calls.append(len(items))
        if len(calls) == 2:
            raise RuntimeError("processus tué")
        return original(self, items)

    monkeypatch.setattr(services.ContractLoader, "load", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        decp_import_file(path=path)
    assert Contract.objects.count() == 0 and Organisation.objects.count() == 0
    failed = ImportRun.objects.get()
    assert failed.status == ImportStatus.FAILED and failed.error.startswith("Erreur inattendue pendant l'import")

    monkeypatch.setattr(services.ContractLoader, "load", original)
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED and run.created_count == 2500


def test_gzip_and_xml_inputs(tmp_path, geo_cvl):
    source = SHARED_DATA / "decp" / "examples" / "v2_Marche.xml"
    path = tmp_path / "m.xml.gz"
    path.write_bytes(gzip.compress(source.read_bytes()))
    run = decp_import_file(path=path)
    # The official example publishes the same marché twice (same buyer, same id): merged into one.
    assert run.status == ImportStatus.SUCCEEDED and (run.read_count, run.created_count, run.merged_count) == (2, 1, 1)
    assert "gzip" in run.file_format


def test_command_prints_summary_and_fails_on_refused_file(tmp_path, capsys, geo_cvl):
    good = write_json(tmp_path, "good.json", [market(id="1"), market(id="2", acheteur=None)])
    call_command("import_decp", str(good), "--no-progress")
    out = capsys.readouterr().out
    assert "2 lus = 1 créés + 0 mis à jour + 0 inchangés + 0 fusionnés + 1 rejetés" in out
    assert "champ_manquant" in out
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"marches": [')
    with pytest.raises(CommandError):
        call_command("import_decp", str(bad), "--no-progress")


def test_command_dry_run(tmp_path, capsys, geo_cvl):
    call_command("import_decp", str(write_json(tmp_path, "x.json", [market()])), "--dry-run")
    assert "[simulation]" in capsys.readouterr().out
    assert Contract.objects.count() == 0


def test_contracts_are_linked_to_their_purchase_family(tmp_path, geo_cvl):
    from spaser.referentiel.selectors import resolve_family
    from spaser.referentiel.services import DEFAULT_FAMILIES_FILE, families_load_file

    families_load_file(path=DEFAULT_FAMILIES_FILE)
    decp_import_file(path=write_json(tmp_path, "f.json", [market(id="1", codeCPV="45000000-7"), market(id="2")]))
    works = Contract.objects.get(external_id="1")
    assert works.family is not None
    assert works.family == resolve_family("45000000")
    assert Contract.objects.get(external_id="2").family == resolve_family("77313000")


@pytest.mark.parametrize("batch_size", [1000, 2], ids=["same-batch", "across-batches"])
def test_publications_of_one_contract_from_several_sources_are_merged(tmp_path, geo_cvl, monkeypatch, batch_size):
    from spaser.imports import services

    monkeypatch.setattr(services, "BATCH_SIZE", batch_size)
    older = market(id="1", modifications=None, source="plateforme-a")
    records = [
        older,
        market(id="2", source="plateforme-a"),
        market(id="1", modifications=None, source="plateforme-b"),  # same content, another source
        market(id="1", source="plateforme-c"),  # newer: two modifications
        market(id="1", modifications=None, source="plateforme-b"),  # an older one seen again
    ]
    run = decp_import_file(path=write_json(tmp_path, "sources.json", records))
    assert counts(run) == {"read": 5, "created": 2, "updated": 0, "unchanged": 0, "merged": 3, "rejected": 0}
    contract = Contract.objects.get(external_id="1")
    assert contract.sources == ["plateforme-a", "plateforme-b", "plateforme-c"]
    assert contract.modification_count == 2 and contract.current_amount == Decimal("150000.00")
    assert contract.raw_data["source"] == "plateforme-c"
    assert list(contract.modifications.values_list("number", flat=True)) == [1, 2]
    assert Contract.objects.get(external_id="2").sources == ["plateforme-a"]


def test_contract_ids_taken_by_an_import_never_collide_with_later_writes(tmp_path, geo_cvl):
    from tests.contracts.factories import ContractFactory

    decp_import_file(path=write_json(tmp_path, "a.json", [market(id=str(i)) for i in range(3)]))
    imported = set(Contract.objects.values_list("pk", flat=True))
    created = ContractFactory()
    assert created.pk not in imported and created.pk > max(imported)
    Contract.objects.filter(pk=created.pk).delete()
    run = decp_import_file(path=write_json(tmp_path, "b.json", [market(id=str(i)) for i in range(3, 6)]))
    assert run.created_count == 3
    ids = list(Contract.objects.values_list("pk", flat=True))
    assert len(set(ids)) == 6 and created.pk not in ids  # a deleted contract's id is not given again
    assert ContractHolder.objects.filter(contract__external_id="5").exists()


def test_the_publication_is_kept_exactly_as_published(tmp_path, geo_cvl):
    """Key order, number spelling, spacing, escapes and unknown fields: the stored text is the record's own."""
    record = json.dumps(market(id="exact"), ensure_ascii=False, indent=1)
    record = record.replace('"objet"', '"champInconnu": 1.50E2, "objet"', 1).replace("\n", "\n  ")
    path = tmp_path / "exact.json"
    path.write_text('{"marches": {"marche": [\n  ' + record + "\n]}}", encoding="utf-8")
    run = decp_import_file(path=path)
    assert run.created_count == 1, run.error
    contract = Contract.objects.get(external_id="exact")
    assert contract.raw == record
    assert contract.raw_data["champInconnu"] == 150.0
