"""The validation workflow of a purchase project: one table, one function, one log (style guide R2)."""

from spaser.strategies.enums import OPEN_STATES, ProjectState as S, Transition
from spaser.strategies.models import ProjectTransitionLog


class InvalidTransition(Exception):
    pass


TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Transition.SUBMIT: (frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED),
    Transition.REQUEST_OPINION: (frozenset({S.SUBMITTED}), S.ENVIRONMENT_REVIEW),
    Transition.GIVE_OPINION: (frozenset({S.ENVIRONMENT_REVIEW}), S.SUBMITTED),
    Transition.REQUEST_CHANGES: (frozenset({S.SUBMITTED, S.ENVIRONMENT_REVIEW}), S.CHANGES_REQUESTED),
    Transition.VALIDATE: (frozenset({S.SUBMITTED}), S.VALIDATED),
    # A validated form corrected after the fact, for instance when the published contract data show that the
    # signed contract holds a consideration the form does not plan (reconciliation report): it is reworked and
    # validated again, then returns where it was (``services.project_validate``).
    Transition.REOPEN: (frozenset({S.VALIDATED, S.PUBLISHED, S.AWARDED}), S.CHANGES_REQUESTED),
    Transition.PUBLISH: (frozenset({S.VALIDATED}), S.PUBLISHED),
    # A validated form may be awarded directly: the published contract data (DECP) shows the award.
    Transition.AWARD: (frozenset({S.VALIDATED, S.PUBLISHED}), S.AWARDED),
    # Back to "Publiée" when the award was wrong: the last published contract detached (automatically), or by
    # hand for an award recorded without any contract. The consultation stays launched; a new award follows.
    Transition.UNAWARD: (frozenset({S.AWARDED}), S.PUBLISHED),
    Transition.CLOSE: (frozenset({S.AWARDED}), S.CLOSED),
    Transition.ABANDON: (frozenset(OPEN_STATES), S.ABANDONED),
}


def allowed_from(state: str) -> list[str]:
    return [transition for transition, (sources, _) in TRANSITIONS.items() if state in sources]


def apply_transition(project, transition: str, *, by, comment: str = "", extra_fields=()) -> ProjectTransitionLog:
    """Moves `project` along `transition`, records who, when and why, and bumps its version."""
    sources, target = TRANSITIONS[transition]
    if project.state not in sources:
        raise InvalidTransition(
            f"« {Transition(transition).label} » est impossible depuis l'état « {S(project.state).label} »."
        )
    log = ProjectTransitionLog.objects.create(
        project=project,
        transition=transition,
        from_state=project.state,
        to_state=target,
        user=by,
        comment=comment,
    )
    project.state = target
    project.version += 1
    project.save(update_fields=["state", "version", "updated_at", *extra_fields])
    return log
