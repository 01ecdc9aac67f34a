from tests.contracts.factories import ContractFactory
from tests.permission_matrix import Expect

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}

EXPECTATIONS = [
    Expect("contracts:list", status=MEMBERS),
    Expect("contracts:export_csv", status=MEMBERS),
    Expect("contracts:export_xlsx", status=MEMBERS),
    # DECP are open data: a contract of another buyer is readable by every member.
    Expect(
        "contracts:detail",
        kwargs=lambda ctx: {"pk": ContractFactory(buyer=ctx.other_organisation).pk},
        status=MEMBERS,
    ),
    # Data quality: the user's organisation by default, any buyer by its SIRET (open data).
    Expect("contracts:quality", status=MEMBERS),
    Expect("contracts:quality_export", status=MEMBERS),
    Expect("contracts:quality_anomaly", kwargs={"code": "montant_nul"}, status=MEMBERS),
]
