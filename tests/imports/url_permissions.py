from spaser.imports.models import ImportRun
from tests.permission_matrix import Expect

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}


def own_run(ctx):
    return {"pk": ImportRun.objects.create(file_name="a.json", organisation=ctx.organisation).pk}


def platform_run(ctx):
    return {"pk": ImportRun.objects.create(file_name="national.json").pk}


def foreign_run(ctx):
    return {"pk": ImportRun.objects.create(file_name="b.json", organisation=ctx.other_organisation).pk}


# The outsider is an administrator of the other organisation: its uploads are its own (200 there, 404 here).
EXPECTATIONS = [
    Expect("imports:run_list", status=MEMBERS),
    Expect("imports:quarantine", status=MEMBERS),
    Expect("imports:quarantine_export", status=MEMBERS),
    Expect("imports:run_detail", kwargs=own_run, status={**MEMBERS, "outsider": 404}),
    Expect("imports:run_detail", kwargs=platform_run, status=MEMBERS),
    Expect(
        "imports:run_detail", kwargs=foreign_run, status={"anonymous": 302, "staff": 403, "outsider": 200, "*": 404}
    ),
    Expect("imports:run_progress", kwargs=own_run, status={**MEMBERS, "outsider": 404}),
    Expect(
        "imports:upload",
        status={"anonymous": 302, "staff": 403, "admin": 200, "buyer": 200, "outsider": 200, "*": 403},
    ),
    Expect(
        "imports:upload",
        method="post",
        data={},
        status={"anonymous": 302, "staff": 403, "admin": 200, "buyer": 200, "outsider": 200, "*": 403},
    ),
]
