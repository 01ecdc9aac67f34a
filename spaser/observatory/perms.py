"""Who handles the TPE/PME support cell.

The cell's members are the organisation's members holding the BUYER role (the purchasing department runs
the cell) or the ADMIN role. They receive the notification of each new request and see the inbox.
"""

from spaser.accounts.enums import Role

CELL_ROLES = frozenset({Role.BUYER, Role.ADMIN})


def can_handle_contacts(request) -> bool:
    return request.user.is_authenticated and request.organisation is not None and bool(request.roles & CELL_ROLES)


def can_manage_publication(request) -> bool:
    return request.user.is_authenticated and request.organisation is not None and Role.ADMIN in request.roles
