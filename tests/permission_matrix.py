"""The permission matrix: every URL of the project × every role (and anonymous) → expected HTTP status.

Each app lists its URLs in `tests/<app>/url_permissions.py`:

    from tests.permission_matrix import Expect

    EXPECTATIONS = [
        # status: a key per actor; "*" is the default for the actors not named.
        Expect("referentiel:criteria", status={"anonymous": 302, "*": 200}),
        # kwargs: a dict, or a callable receiving the MatrixContext and returning the URL kwargs
        # (create the objects there, e.g. one of ctx.organisation and one of ctx.other_organisation).
        Expect("referentiel:chantier", kwargs=lambda ctx: {"pk": ChantierFactory(organisation=ctx.organisation).pk},
               status={"anonymous": 302, "*": 200}),
        Expect("accounts:membership_delete", method="post", kwargs=..., status={...}),
    ]

Actors: "anonymous", "outsider" (a member of another organisation only), "staff" (platform superuser with no
membership) and each role value of spaser.accounts.enums.Role ("admin", "buyer", "prescriber", "environment",
"pilot", "reader"). A URL that no app lists makes tests/test_permission_matrix.py fail.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from spaser.accounts.enums import Role

ACTORS = ["anonymous", "outsider", "staff", *[role.value for role in Role]]


@dataclass
class MatrixContext:
    organisation: object
    other_organisation: object
    users: dict = field(default_factory=dict)


@dataclass
class Expect:
    url_name: str
    status: dict
    kwargs: dict | Callable | None = None
    method: str = "get"
    data: dict | None = None

    def expected_for(self, actor: str) -> int:
        if actor in self.status:
            return self.status[actor]
        if "*" in self.status:
            return self.status["*"]
        raise KeyError(f"{self.url_name}: aucun statut attendu pour {actor!r} (ni de valeur '*')")

    def url_kwargs(self, ctx: MatrixContext) -> dict:
        if callable(self.kwargs):
            return self.kwargs(ctx)
        return self.kwargs or {}
