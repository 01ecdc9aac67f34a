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

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

import tests
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


# Namespaces whose URLs are not the project's own pages.
IGNORED_NAMESPACES = {"admin"}


def collect_expectations() -> list[Expect]:
    """The EXPECTATIONS of every tests/<app>/url_permissions.py."""
    expectations = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.url_permissions")
        except ModuleNotFoundError as error:
            if error.name != f"tests.{module_info.name}.url_permissions":
                raise
            continue
        expectations.extend(module.EXPECTATIONS)
    return expectations


def named_urls(resolver=None, namespace=None):
    """(name, route) of every URL of the URLconf, names qualified by their namespace, admin left out."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            if inner in IGNORED_NAMESPACES:
                continue
            yield from named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, str(pattern.pattern)


def matrix_context_create() -> MatrixContext:
    """The tested organisation with one member per role, an admin of another organisation ("outsider") and a
    platform superuser of no organisation ("staff")."""
    from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory

    organisation = OrganisationFactory(name="Organisation testée")
    other = OrganisationFactory(name="Autre organisation")
    users = {"outsider": MembershipFactory(organisation=other, role=Role.ADMIN).user}
    users["staff"] = UserFactory(is_staff=True, is_superuser=True)
    for role in Role:
        users[role.value] = MembershipFactory(organisation=organisation, role=role).user
    return MatrixContext(organisation=organisation, other_organisation=other, users=users)
