"""Every URL × every actor returns the expected status (see tests/permission_matrix.py)."""

import pytest
from django.urls import reverse

from tests.permission_matrix import ACTORS, collect_expectations, matrix_context_create, named_urls

EXPECTATIONS = collect_expectations()


def test_every_url_has_a_name_and_an_expectation():
    listed = {expect.url_name for expect in EXPECTATIONS}
    unnamed = [route for name, route in named_urls() if not name]
    missing = sorted(name for name, _ in named_urls() if name and name not in listed)
    assert not unnamed, f"URL sans nom (impossible à vérifier) : {unnamed}"
    assert not missing, f"URL absentes de la matrice des permissions : {missing}"


def test_matrix_lists_no_unknown_url():
    known = {name for name, _ in named_urls()}
    unknown = sorted(expect.url_name for expect in EXPECTATIONS if expect.url_name not in known)
    assert not unknown, f"La matrice cite des URL qui n'existent plus : {unknown}"


@pytest.fixture
def matrix_context():
    return matrix_context_create()


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
