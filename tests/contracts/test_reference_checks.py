"""Foreign keys of an import checked set-based once (PostgreSQL) instead of row by row: nothing dangling can
land either way, and the row-by-row checks stay whenever the set-based ones are not allowed."""

import pytest
from django.db import IntegrityError, connection, transaction

from spaser.contracts import services
from spaser.contracts.bulk import _replica_allowed
from spaser.contracts.models import Contract, ContractHolder, ContractModification
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun
from spaser.imports.services import decp_import_file
from tests.imports.test_decp_import import write_json
from tests.imports.test_decp_pipeline import market

TABLES = [Contract._meta.db_table, ContractHolder._meta.db_table, ContractModification._meta.db_table]
MISSING = 987_654_321


def _dangling_family(monkeypatch):
    monkeypatch.setattr(services, "_resolve_families", lambda codes: dict.fromkeys(codes, MISSING))


def _dangling_supplier(monkeypatch):
    original = services.ContractLoader._holders

    def holders(self, contract_id, row):
        return [(*holder[:5], MISSING, *holder[6:]) for holder in original(self, contract_id, row)]

    monkeypatch.setattr(services.ContractLoader, "_holders", holders)


# Transactional: the import commits for real, where SQLite checks its deferred foreign keys.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dangle", [_dangling_family, _dangling_supplier], ids=["contrat", "titulaire"])
def test_an_import_writing_a_dangling_reference_fails_whole(tmp_path, monkeypatch, dangle):
    path = write_json(tmp_path, "ok.json", [market(id=str(i)) for i in range(1500)])
    dangle(monkeypatch)
    with pytest.raises(IntegrityError):
        decp_import_file(path=path)
    assert Contract.objects.count() == ContractHolder.objects.count() == ContractModification.objects.count() == 0
    assert ImportRun.objects.get().status == ImportStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_set_based_checks_pass_a_sound_import_and_are_used_on_postgresql(tmp_path, monkeypatch):
    used = []
    original = services.ContractLoader.finish

    def finish(self):
        used.append(self.references.active)
        original(self)

    monkeypatch.setattr(services.ContractLoader, "finish", finish)
    path = write_json(tmp_path, "ok.json", [market(id=str(i)) for i in range(1500)])
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED and run.created_count == 1500
    assert ContractHolder.objects.count() == 1500 and ContractModification.objects.count() == 3000
    assert used == [connection.vendor == "postgresql"]
    # The session is back to its usual role: later writes of the same connection are checked row by row.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('session_replication_role')")
            assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db
def test_row_by_row_checks_stay_when_the_role_may_not_skip_them():
    """A role that may not set session_replication_role (not a superuser, no grant) keeps the usual checks."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("CREATE ROLE spaser_test_limited NOSUPERUSER")
                cursor.execute("SET LOCAL ROLE spaser_test_limited")
            assert _replica_allowed(TABLES) is False
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
                cursor.execute("SELECT current_setting('session_replication_role')")
                assert cursor.fetchone()[0] == "origin"
            assert _replica_allowed(TABLES) is True
        else:
            assert _replica_allowed(TABLES) is False  # SQLite: no such mode, its own checks apply
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_row_by_row_checks_stay_when_a_table_has_a_trigger_of_its_own():
    """Replica mode would skip a trigger of ours too: with one on the contracts, the usual checks stay."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            assert _replica_allowed(TABLES) is True
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE FUNCTION spaser_test_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$"
                )
                cursor.execute(
                    f"CREATE TRIGGER spaser_test_noop BEFORE INSERT ON {TABLES[0]} "
                    "FOR EACH ROW EXECUTE FUNCTION spaser_test_noop()"
                )
        assert _replica_allowed(TABLES) is False
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_skipped():
    """Autocommit: SET LOCAL would last one statement, so the usual checks stay."""
    assert not connection.in_atomic_block
    assert _replica_allowed(TABLES) is False
