import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from spaser.accounts.enums import Role
from spaser.accounts.middleware import CurrentOrganisationMiddleware
from tests.accounts.factories import DirectionFactory, MembershipFactory


def request_for(user):
    """A request carrying organisation, roles and memberships exactly as the middleware sets them."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    CurrentOrganisationMiddleware(lambda request: request)(request)
    return request


@pytest.fixture
def direction(organisation):
    return DirectionFactory(organisation=organisation, code="DLP", name="Lycées et patrimoine")


@pytest.fixture
def other_direction(organisation):
    return DirectionFactory(organisation=organisation, code="DTM", name="Transports")


@pytest.fixture
def people(organisation, direction):
    """One user per role; the prescripteur acts for `direction` only."""
    users = {}
    for role in Role:
        kwargs = {"direction": direction} if role == Role.PRESCRIBER else {}
        users[role] = MembershipFactory(organisation=organisation, role=role, **kwargs).user
    return users


@pytest.fixture
def referentiel(organisation):
    """The référentiel files loaded (thresholds, families, criteria) for the tests that need real thresholds."""
    from spaser.referentiel.services import referentiel_defaults_ensure

    referentiel_defaults_ensure(organisation=None)
    return organisation
