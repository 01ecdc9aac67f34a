"""Who may do what with purchase projects and the programme. Views and templates ask these functions only.

Prescripteurs edit the drafts of their direction (all directions when their role carries none), acheteurs
edit, validate and steer every project, environnement gives opinions, everyone else in the organisation reads.
"""

from spaser.accounts.enums import Role
from spaser.accounts.perms import request_has_role
from spaser.strategies.enums import EDITABLE_STATES, LINKABLE_STATES, ProjectState, Transition

EDITOR_ROLES = (Role.BUYER, Role.PRESCRIBER)


def prescriber_directions(request) -> set[int] | None:
    """Direction ids a prescripteur acts for; None means every direction (a role without direction)."""
    ids = set()
    for membership in request.memberships:
        if membership.role == Role.PRESCRIBER:
            if membership.direction_id is None:
                return None
            ids.add(membership.direction_id)
    return ids


def _acts_for_direction(request, direction_id) -> bool:
    if request_has_role(request, Role.BUYER):
        return True
    if not request_has_role(request, Role.PRESCRIBER):
        return False
    directions = prescriber_directions(request)
    return directions is None or direction_id is None or direction_id in directions


def can_create_project(request) -> bool:
    return request_has_role(request, *EDITOR_ROLES)


def can_edit_project(request, project) -> bool:
    return project.state in EDITABLE_STATES and _acts_for_direction(request, project.direction_id)


def can_apply(request, project, transition: str) -> bool:
    """Whether the user may apply `transition` to the project (the workflow table decides if the state allows it)."""
    if transition == Transition.SUBMIT:
        return can_edit_project(request, project)
    if transition == Transition.GIVE_OPINION:
        return request_has_role(request, Role.ENVIRONMENT)
    if transition == Transition.ABANDON:
        if request_has_role(request, Role.BUYER):
            return True
        return project.state in (ProjectState.DRAFT, ProjectState.CHANGES_REQUESTED) and can_edit_project(
            request, project
        )
    if transition == Transition.UNAWARD:
        # By hand only for an award without linked contracts: otherwise detaching the last one cancels it.
        return request_has_role(request, Role.BUYER) and not project.contract_links.exists()
    return request_has_role(request, Role.BUYER)


def can_manage_programme(request) -> bool:
    return request_has_role(request, *EDITOR_ROLES)


def can_edit_entry(request, entry) -> bool:
    # RelatedObjectDoesNotExist is an AttributeError: getattr returns None for an entry without project.
    return _acts_for_direction(request, entry.direction_id) and getattr(entry, "project", None) is None


def can_convert_entry(request, entry) -> bool:
    """Making a project from an entry: the service refuses, with a message, an entry already converted."""
    return _acts_for_direction(request, entry.direction_id)


def can_import_programme(request) -> bool:
    return request_has_role(request, Role.BUYER)


def can_publish_programme(request) -> bool:
    return request_has_role(request, Role.BUYER)


def can_edit_settings(request) -> bool:
    return request_has_role(request, Role.ADMIN, Role.BUYER)


def can_change_review_rule(request) -> bool:
    """The four-eyes setting (the author of a form does not validate it): administrators only, not the
    acheteurs it binds."""
    return request_has_role(request, Role.ADMIN)


def can_link_contracts(request, project) -> bool:
    """Confirming or detaching the published contracts of a validated form: acheteurs and administrators."""
    return project.state in LINKABLE_STATES and request_has_role(request, Role.BUYER, Role.ADMIN)


RECONCILIATION_ROLES = (Role.ADMIN, Role.BUYER, Role.PILOT)


def can_see_reconciliation(request) -> bool:
    """The reconciliation report (forms against published contracts): acheteurs, administrators, pilotes."""
    return request_has_role(request, *RECONCILIATION_ROLES)
