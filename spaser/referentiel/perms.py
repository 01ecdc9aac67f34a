"""Who may change the référentiels. Views and templates ask these functions only.

Two kinds of référentiel objects:
- an organisation's own (its SPASER tree: axes, thématiques, chantiers, indicators, targets; its threshold
  settings): changed by that organisation's roles below, reached through querysets scoped to the organisation;
- shared ones, owned by no organisation (criteria and clauses, purchase families and their CPV rules,
  thresholds, legal obligations): every buyer and the public pages read them, so only a platform administrator
  changes them (spaser.accounts.perms.is_platform_admin), never a role in an organisation.
"""

from spaser.accounts.enums import Role
from spaser.accounts.perms import is_platform_admin, request_has_role
from spaser.referentiel.models import CpvRule, Criterion, Family, LegalObligation, Threshold

SPASER_EDITORS = (Role.ADMIN, Role.BUYER)
CHANTIER_EDITORS = (Role.ADMIN, Role.BUYER, Role.PILOT)
SETTINGS_EDITORS = (Role.ADMIN,)
# The models no organisation owns; each is changed with its own "change" permission.
SHARED_MODELS = (Criterion, Family, CpvRule, Threshold, LegalObligation)
PLATFORM_ADMIN_ONLY = (
    "Le référentiel est commun à toutes les organisations : seul un administrateur de la plateforme le modifie."
)


def can_edit_spaser(request) -> bool:
    return request_has_role(request, *SPASER_EDITORS)


def can_edit_chantier(request) -> bool:
    return request_has_role(request, *CHANTIER_EDITORS)


def can_edit_shared(request, model) -> bool:
    """A shared référentiel model: platform administrators only, whatever the current organisation."""
    return is_platform_admin(request.user, permission=f"{model._meta.app_label}.change_{model._meta.model_name}")


def can_edit_criteria(request) -> bool:
    return can_edit_shared(request, Criterion)


def can_edit_settings(request) -> bool:
    return request_has_role(request, *SETTINGS_EDITORS)
