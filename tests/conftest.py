import pytest

from spaser.accounts.enums import Role


def pytest_collection_modifyitems(items):
    """Every test may use the database (style guide R11); browser tests use a transactional database."""
    for item in items:
        if item.get_closest_marker("django_db"):
            continue
        is_browser_test = item.get_closest_marker("e2e") or "live_server" in getattr(item, "fixturenames", ())
        item.add_marker(pytest.mark.django_db(transaction=bool(is_browser_test)))


@pytest.fixture
def organisation():
    from tests.accounts.factories import OrganisationFactory

    return OrganisationFactory()


@pytest.fixture
def member_of(organisation):
    """member_of(Role.BUYER) -> a user holding that role in `organisation`."""
    from tests.accounts.factories import MembershipFactory

    def make(role=Role.READER, **kwargs):
        return MembershipFactory(organisation=kwargs.pop("organisation", organisation), role=role, **kwargs).user

    return make
