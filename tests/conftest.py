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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """PostgreSQL: before the test database is dropped, end the sessions that threads of the browser tests'
    live server left open, and say so.

    A request whose browser page was closed mid-request can end before Django's ``request_finished`` (the
    client is gone), so its thread's connection is never closed; the database then cannot be dropped ("is
    being accessed by other users"), an error of the test run, not of a test. The thread is gone: only the
    server can end its session."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            ended = [pid for pid, _ in cursor.fetchall()]
        connection.close()
    if ended:  # through the terminal reporter: pytest captures stderr during fixture teardown
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"Sessions laissées ouvertes par le serveur des tests navigateur, fermées : {ended}")
