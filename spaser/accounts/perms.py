"""Permission rules for accounts and organisations. Templates and views ask these functions only."""

from spaser.accounts.enums import Role
from spaser.accounts.models import Membership


def has_role(user, organisation, *roles) -> bool:
    """True when `user` holds one of `roles` in `organisation` (any role when none is given)."""
    if not user.is_authenticated or organisation is None:
        return False
    memberships = Membership.objects.filter(user=user, organisation=organisation)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


def request_has_role(request, *roles) -> bool:
    """Same as has_role for the current organisation, without a query (roles are read by the middleware)."""
    if not request.user.is_authenticated or request.organisation is None:
        return False
    return not roles or bool(request.roles & set(roles))


def can_manage_organisation(request) -> bool:
    return request_has_role(request, Role.ADMIN)


def can_view_organisation(request) -> bool:
    return request_has_role(request)


def is_platform_admin(user, *, permission: str) -> bool:
    """True for a platform administrator holding `permission` ("app.change_model").

    Shared data (what no organisation owns: the criteria référentiel, purchase families, thresholds...) is the
    platform's, not one buyer's: no role in an organisation grants a right on it. A platform administrator is an
    account of the administration technique (is_staff) holding the Django permission to change that data there,
    as the administration itself requires; superusers hold every permission."""
    # is_staff first: an ordinary member's pages ask no query about permissions.
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission)
