"""Who may change the actor directory. Views and templates ask these functions only.

The directory (actors, the sources they come from, agents' corrections, what the public map shows) belongs to no
organisation: every buyer searches it and the public map shows it. So only a platform administrator
(spaser.accounts.perms.is_platform_admin) corrects an actor, publishes or withdraws actors or a whole source, and
imports a partner's list (confirming an import writes the shared actors), never a role in an organisation.
Reading (search, map, detail, exports, potential suppliers) stays open to every member.
"""

from spaser.accounts.perms import is_platform_admin

PLATFORM_ADMIN_ONLY = (
    "L'annuaire des acteurs est commun à toutes les organisations : seul un administrateur de la plateforme "
    "le modifie."
)
IMPORT_NEEDS_ORGANISATION = (
    "L'import d'acteurs est réservé aux administrateurs de la plateforme, dans une organisation dont ils sont "
    "membres (l'import y est rattaché)."
)


def can_correct_actor(request) -> bool:
    """Correct an actor or remove a correction."""
    return is_platform_admin(request.user, permission="actors.change_actor")


def can_publish_actor(request) -> bool:
    """Publish or withdraw actors on the public map, one by one or ticked in the list."""
    return is_platform_admin(request.user, permission="actors.change_actor")


def can_publish_source(request) -> bool:
    """Publish or withdraw a whole source: its actors follow, so both permissions are needed."""
    return can_publish_actor(request) and is_platform_admin(request.user, permission="actors.change_source")


def can_import_actors(request) -> bool:
    """Upload, map, confirm or cancel a partner's list: confirming creates and changes shared actors and sources.

    An import run is recorded in the organisation the administrator works in (request.organisation)."""
    return (
        getattr(request, "organisation", None) is not None
        and is_platform_admin(request.user, permission="actors.add_actor")
        and is_platform_admin(request.user, permission="actors.change_actor")
        and is_platform_admin(request.user, permission="actors.add_source")
    )
