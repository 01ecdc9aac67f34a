"""Login lockouts and password reset limits, for visitors behind the documented HTTPS proxy (tests/conftest.py)."""

import logging

from django.core import mail
from django.urls import reverse

from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
VISITOR = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"  # another visitor behind the same proxy


def _login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def _user(email):
    return MembershipFactory(user=UserFactory(email=email)).user


def _fail_until_locked(client_for, email, settings):
    """Posts AXES_FAILURE_LIMIT wrong passwords for `email`, each through a client from `client_for(index)`: the
    last one locks."""
    statuses = [
        _login(client_for(index), email, "mauvais").status_code for index in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]


def test_wrong_passwords_lock_the_account_from_that_visitor_only(behind_proxy, settings):
    """Policy: the lockout is per (account, address). Behind the proxy the address is the visitor's."""
    _user("cible@example.fr")
    _user("collegue@example.fr")
    _fail_until_locked(lambda _: behind_proxy(VISITOR), "cible@example.fr", settings)

    locked = _login(behind_proxy(VISITOR), "cible@example.fr")
    assert locked.status_code == 429
    assert "Compte temporairement bloqué" in locked.content.decode()
    # The same account from another visitor behind the same proxy, another account from the same visitor.
    assert _login(behind_proxy(NEIGHBOUR), "cible@example.fr").status_code == 302
    assert _login(behind_proxy(VISITOR), "collegue@example.fr").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout(behind_proxy, settings):
    _user("cible@example.fr")
    _fail_until_locked(
        lambda index: behind_proxy(VISITOR, forwarded_for=f"198.51.100.{index}"), "cible@example.fr", settings
    )
    assert _login(behind_proxy(VISITOR, forwarded_for="198.51.100.200"), "cible@example.fr").status_code == 429


def test_a_forged_forwarded_for_does_not_lock_the_address_it_names(behind_proxy, settings):
    _user("cible@example.fr")
    _fail_until_locked(lambda _: behind_proxy(VISITOR, forwarded_for=NEIGHBOUR), "cible@example.fr", settings)
    assert _login(behind_proxy(NEIGHBOUR), "cible@example.fr").status_code == 302
    assert _login(behind_proxy(VISITOR), "cible@example.fr").status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(client, settings):
    """A client reaching the application directly cannot pose as someone else through the header."""
    settings.SPASER_TRUSTED_PROXIES = 0
    _user("cible@example.fr")
    for index in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "cible@example.fr", "password": "mauvais"},
            REMOTE_ADDR=VISITOR,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{index}",
        )
    response = client.post(
        LOGIN,
        {"username": "cible@example.fr", "password": PASSWORD},
        REMOTE_ADDR=VISITOR,
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == 429


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(behind_proxy, settings):
    """The login ignores the e-mail's case, so the lockout does too."""
    _user("cible@example.fr")
    spellings = ["Cible@example.fr", "CIBLE@example.fr", "cible@Example.fr", "cIble@example.FR", " cible@example.fr"]
    _fail_until_locked(lambda index: behind_proxy(VISITOR), spellings[0], settings)
    for spelling in spellings:
        assert _login(behind_proxy(VISITOR), spelling).status_code == 429


def test_failures_on_many_accounts_from_one_address_block_that_address(behind_proxy, settings):
    """Password spraying: one wrong password on each of many accounts, below every per-account limit."""
    _user("victime@example.fr")
    for index in range(settings.SPASER_LOGIN_SPRAY_LIMIT - 1):
        assert _login(behind_proxy(VISITOR), f"compte{index}@example.fr", "Printemps2026!").status_code == 200
    # One account short of the limit: the address may still log in.
    assert _login(behind_proxy(VISITOR), "victime@example.fr").status_code == 302
    # The limit-th account: from now on every account is refused from this address, even with the right
    # password, forged header or not; the neighbour behind the same proxy is not.
    assert _login(behind_proxy(VISITOR), "dernier@example.fr", "Printemps2026!").status_code == 429
    response = _login(behind_proxy(VISITOR, forwarded_for=NEIGHBOUR), "victime@example.fr")
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert _login(behind_proxy(NEIGHBOUR), "victime@example.fr").status_code == 302


def test_colleagues_who_mistyped_then_logged_in_do_not_count_as_spraying(behind_proxy, settings):
    """Colleagues behind one office address: a successful login clears that account's failures."""
    users = [_user(f"agent{index}@example.fr") for index in range(settings.SPASER_LOGIN_SPRAY_LIMIT)]
    for user in users:
        assert _login(behind_proxy(VISITOR), user.email, "mauvais").status_code == 200
        assert _login(behind_proxy(VISITOR), user.email).status_code == 302
    assert _login(behind_proxy(VISITOR), "dernier@example.fr", "mauvais").status_code == 200
    assert _login(behind_proxy(VISITOR), users[0].email).status_code == 302


# --- Password reset -------------------------------------------------------------------------------------------


def _reset(client, email):
    return client.post(RESET, {"email": email}, follow=True)


def _page(response):
    """What the visitor sees: where the request ended and the page, without the per-request CSRF token."""
    content = response.content.decode()
    return response.redirect_chain, response.status_code, content.split('name="csrfmiddlewaretoken"')[0]


def test_reset_emails_are_limited_per_account_whoever_asks(behind_proxy, settings, caplog):
    UserFactory(email="oubli@example.fr")
    limit = settings.SPASER_PASSWORD_RESET_ACCOUNT_LIMIT
    sent = [_reset(behind_proxy(f"198.51.100.{index}"), "oubli@example.fr") for index in range(limit)]
    assert len(mail.outbox) == limit
    with caplog.at_level(logging.WARNING, logger="spaser.accounts.login_guard"):
        refused = _reset(behind_proxy("198.51.100.250"), "Oubli@Example.fr")
    assert len(mail.outbox) == limit
    assert "limit for account" in caplog.text
    # The visitor cannot tell: same page as when the e-mail was sent, and as for an address with no account.
    assert _page(refused) == _page(sent[0]) == _page(_reset(behind_proxy("198.51.100.251"), "inconnu@example.fr"))


def test_reset_requests_are_limited_per_address_and_behind_the_proxy_per_visitor(behind_proxy, settings, caplog):
    limit = settings.SPASER_PASSWORD_RESET_ADDRESS_LIMIT
    for index in range(limit + 1):
        UserFactory(email=f"agent{index}@example.fr")
    for index in range(limit):
        # Forged left-most values change nothing: the visitor's address is the one counted.
        _reset(behind_proxy(VISITOR, forwarded_for=f"198.51.100.{index}"), f"agent{index}@example.fr")
    assert len(mail.outbox) == limit
    with caplog.at_level(logging.WARNING, logger="spaser.accounts.login_guard"):
        refused = _reset(behind_proxy(VISITOR), f"agent{limit}@example.fr")
    assert len(mail.outbox) == limit
    assert f"limit of requests from {VISITOR}" in caplog.text
    assert refused.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    # The neighbour behind the same proxy is not limited by the visitor's requests.
    _reset(behind_proxy(NEIGHBOUR), f"agent{limit}@example.fr")
    assert mail.outbox[-1].to == [f"agent{limit}@example.fr"]
    assert len(mail.outbox) == limit + 1


def test_reset_without_trusted_proxies_counts_the_connection_address(client, settings):
    settings.SPASER_TRUSTED_PROXIES = 0
    limit = settings.SPASER_PASSWORD_RESET_ADDRESS_LIMIT
    for index in range(limit + 1):
        UserFactory(email=f"agent{index}@example.fr")
        client.post(
            RESET,
            {"email": f"agent{index}@example.fr"},
            REMOTE_ADDR=VISITOR,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{index}",
        )
    assert len(mail.outbox) == limit
