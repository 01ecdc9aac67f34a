"""Who may change the référentiels. Views and templates ask these functions only."""

from spaser.accounts.enums import Role
from spaser.accounts.perms import request_has_role

SPASER_EDITORS = (Role.ADMIN, Role.BUYER)
CHANTIER_EDITORS = (Role.ADMIN, Role.BUYER, Role.PILOT)
CRITERIA_EDITORS = (Role.ADMIN, Role.BUYER)  # the procurement department owns the criteria référentiel
SETTINGS_EDITORS = (Role.ADMIN,)


def can_edit_spaser(request) -> bool:
    return request_has_role(request, *SPASER_EDITORS)


def can_edit_chantier(request) -> bool:
    return request_has_role(request, *CHANTIER_EDITORS)


def can_edit_criteria(request) -> bool:
    return request_has_role(request, *CRITERIA_EDITORS)


def can_edit_settings(request) -> bool:
    return request_has_role(request, *SETTINGS_EDITORS)
