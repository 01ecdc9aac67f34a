from tests.contracts.factories import SupplierFactory
from tests.permission_matrix import Expect

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}

EXPECTATIONS = [
    Expect("suppliers:list", status=MEMBERS),
    Expect("suppliers:detail", kwargs=lambda ctx: {"pk": SupplierFactory().pk}, status=MEMBERS),
]
