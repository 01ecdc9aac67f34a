"""The import's plain-SQL lookups: ``select_pairs`` finds rows by one or two key columns on both databases."""

import pytest

from spaser.contracts.bulk import SELECT_CHUNK, select_pairs
from spaser.contracts.models import Contract
from spaser.suppliers.models import Supplier
from tests.contracts.factories import ContractFactory, SupplierFactory

pytestmark = pytest.mark.django_db

ODD_IDS = ["2024-001", 'guillemets "doubles" et \\ barre', "accentué – tiret ’", "tab\tet\nligne", "[1,2]", "%s ?"]


def test_two_key_columns_find_exactly_the_rows_asked_for():
    contracts = [ContractFactory(buyer_siret="21450234500015", external_id=external_id) for external_id in ODD_IDS]
    ContractFactory(buyer_siret="21450234500016", external_id="2024-001")  # same id, another buyer: not asked
    keys = [("21450234500015", external_id) for external_id in ODD_IDS] + [("21450234500015", "absent")]
    found = select_pairs(Contract, ["buyer_siret", "external_id"], ["id", "external_id"], keys)
    assert sorted(set(found)) == sorted((c.pk, c.external_id) for c in contracts)


def test_one_key_column_beyond_one_chunk():
    suppliers = SupplierFactory.create_batch(SELECT_CHUNK + 3)
    keys = [supplier.key for supplier in suppliers] + ["000000000"]
    found = dict(select_pairs(Supplier, ["key"], ["key", "id"], keys))
    assert found == {supplier.key: supplier.pk for supplier in suppliers}
    assert select_pairs(Supplier, ["key"], ["key", "id"], []) == []
