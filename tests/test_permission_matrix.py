"""Every URL × every actor returns the expected status (see tests/permission_matrix.py)."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from spaser.accounts.enums import Role
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.permission_matrix import ACTORS, Expect, MatrixContext

# Namespaces whose URLs are not the project's own pages.
IGNORED_NAMESPACES = {"admin"}


def _collect_expectations() -> list[Expect]:
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


def _named_urls(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            if inner in IGNORED_NAMESPACES:
                continue
            yield from _named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, str(pattern.pattern)


EXPECTATIONS = _collect_expectations()


def test_every_url_has_a_name_and_an_expectation():
    listed = {expect.url_name for expect in EXPECTATIONS}
    unnamed = [route for name, route in _named_urls() if not name]
    missing = sorted(name for name, _ in _named_urls() if name and name not in listed)
    assert not unnamed, f"URL sans nom (impossible à vérifier) : {unnamed}"
    assert not missing, f"URL absentes de la matrice des permissions : {missing}"


def test_matrix_lists_no_unknown_url():
    known = {name for name, _ in _named_urls()}
    unknown = sorted(expect.url_name for expect in EXPECTATIONS if expect.url_name not in known)
    assert not unknown, f"La matrice cite des URL qui n'existent plus : {unknown}"


@pytest.fixture
def matrix_context():
    organisation = OrganisationFactory(name="Organisation testée")
    other = OrganisationFactory(name="Autre organisation")
    users = {"outsider": MembershipFactory(organisation=other, role=Role.ADMIN).user}
    users["staff"] = UserFactory(is_staff=True, is_superuser=True)
    for role in Role:
        users[role.value] = MembershipFactory(organisation=organisation, role=role).user
    return MatrixContext(organisation=organisation, other_organisation=other, users=users)


@pytest.mark.parametrize("expect", EXPECTATIONS, ids=lambda expect: f"{expect.method}:{expect.url_name}")
def test_permission_matrix(client, matrix_context, expect):
    url = reverse(expect.url_name, kwargs=expect.url_kwargs(matrix_context))
    failures = []
    for actor in ACTORS:
        client.logout()
        if actor != "anonymous":
            client.force_login(matrix_context.users[actor])
        response = getattr(client, expect.method)(url, data=expect.data or {})
        expected = expect.expected_for(actor)
        if response.status_code != expected:
            failures.append(f"{actor}: {response.status_code} au lieu de {expected}")
    assert not failures, f"{expect.method.upper()} {url} — " + " ; ".join(failures)
