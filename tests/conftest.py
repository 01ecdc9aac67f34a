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


PROXY_ADDRESS = "10.0.0.1"


@pytest.fixture
def behind_proxy(settings):
    """behind_proxy("203.0.113.7") -> a test client whose requests come through the documented HTTPS proxy.

    One trusted proxy (DJANGO_TRUSTED_PROXIES=1): every request reaches the application from the proxy's
    address (REMOTE_ADDR), and the proxy appends the visitor's address to the X-Forwarded-For the visitor
    sent, if any (`forwarded_for`, which the visitor is free to forge), as nginx's $proxy_add_x_forwarded_for.
    """
    from django.test import Client

    settings.SPASER_TRUSTED_PROXIES = 1

    def visitor(address, *, forwarded_for=""):
        chain = f"{forwarded_for}, {address}" if forwarded_for else address
        return Client(REMOTE_ADDR=PROXY_ADDRESS, HTTP_X_FORWARDED_FOR=chain)

    return visitor


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
