"""Limits on logging in (django-axes lockouts) and on password reset e-mails.

- Repeated wrong passwords lock the (account, address) pair (AXES_LOCKOUT_PARAMETERS): the same account stays
  open from elsewhere, other accounts stay open from there. Addresses come from spaser.core.client_ip, so two
  visitors behind the same proxy are two addresses.
- Password spraying (a few passwords tried on many accounts, below the per-pair limit): SPASER_LOGIN_SPRAY_LIMIT
  distinct accounts failing from one address within the cool-off block that address for every account. The
  count reads axes' own failure records (AccessAttempt, in the database): shared by every process, and a
  successful login removes its pair's failures (AXES_RESET_ON_SUCCESS), so colleagues who mistyped once and
  then logged in do not count.
- Password reset: at most SPASER_PASSWORD_RESET_ACCOUNT_LIMIT e-mails an hour for one account and
  SPASER_PASSWORD_RESET_ADDRESS_LIMIT requests an hour from one address (mail bombing, account probing).
"""

import hashlib
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings

from spaser.core import ratelimit

logger = logging.getLogger(__name__)

PASSWORD_RESET_WINDOW = 3600  # seconds


def login_username(request, credentials) -> str | None:
    """The account axes counts failures for: the e-mail as typed, compared without case like the login is."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return username.strip().lower() if username else None


def sprayed_account_count(*, ip_address: str | None, since) -> int:
    """Distinct accounts whose login failed from `ip_address` since `since`."""
    return (
        AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )


class LoginGuardHandler(AxesDatabaseHandler):
    """axes' database handler, plus the lockout of an address that tries many accounts."""

    def is_locked(self, request, credentials=None) -> bool:
        """Checked before each authentication: refused while the pair or the address is locked."""
        return super().is_locked(request, credentials) or self._address_sprayed(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """After each failure (recorded by axes): the failure that reaches the limit is answered by the lockout
        page, as axes does for the pair."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self._address_sprayed(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def _address_sprayed(self, request) -> bool:
        since = request.axes_attempt_time - get_cool_off(request)
        accounts = sprayed_account_count(ip_address=request.axes_ip_address, since=since)
        if accounts < settings.SPASER_LOGIN_SPRAY_LIMIT:
            return False
        logger.warning("login refused to %s: %d accounts failed from this address", request.axes_ip_address, accounts)
        return True


def password_reset_allowed(*, email: str, address: str | None) -> bool:
    """Counts a password reset request and says whether its e-mail may be sent.

    Counted whether or not an account has this e-mail, so that the answer reveals nothing; the caller shows
    the same page either way. The address is counted first: requests refused for it do not use up the
    account's quota.
    """
    if ratelimit.hit(f"password-reset:address:{address}", window=PASSWORD_RESET_WINDOW) > (
        settings.SPASER_PASSWORD_RESET_ADDRESS_LIMIT
    ):
        logger.warning("password reset e-mail not sent: limit of requests from %s reached", address)
        return False
    # A digest keeps e-mails out of cache keys; lower case as Django's reset form matches them (iexact).
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if ratelimit.hit(f"password-reset:account:{account}", window=PASSWORD_RESET_WINDOW) > (
        settings.SPASER_PASSWORD_RESET_ACCOUNT_LIMIT
    ):
        logger.warning(
            "password reset e-mail not sent: limit for account %s… reached (from %s)", account[:12], address
        )
        return False
    return True
