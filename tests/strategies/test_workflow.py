"""Every transition from every state, for every role; the log, the snapshot and the notifications."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from spaser.accounts.enums import Role
from spaser.strategies import perms, services, workflow
from spaser.strategies.enums import ProjectState as S, Transition as T
from spaser.strategies.models import StrategySettings
from tests.strategies.conftest import request_for
from tests.strategies.factories import PurchaseProjectFactory

# Written out by hand from the issue (not derived from workflow.TRANSITIONS, which it checks).
EXPECTED_TARGETS = {
    (T.SUBMIT, S.DRAFT): S.SUBMITTED,
    (T.SUBMIT, S.CHANGES_REQUESTED): S.SUBMITTED,
    (T.REQUEST_OPINION, S.SUBMITTED): S.ENVIRONMENT_REVIEW,
    (T.GIVE_OPINION, S.ENVIRONMENT_REVIEW): S.SUBMITTED,
    (T.REQUEST_CHANGES, S.SUBMITTED): S.CHANGES_REQUESTED,
    (T.REQUEST_CHANGES, S.ENVIRONMENT_REVIEW): S.CHANGES_REQUESTED,
    (T.VALIDATE, S.SUBMITTED): S.VALIDATED,
    (T.PUBLISH, S.VALIDATED): S.PUBLISHED,
    (T.AWARD, S.VALIDATED): S.AWARDED,
    (T.AWARD, S.PUBLISHED): S.AWARDED,
    (T.CLOSE, S.AWARDED): S.CLOSED,
    (T.UNAWARD, S.AWARDED): S.PUBLISHED,
    (T.REOPEN, S.VALIDATED): S.CHANGES_REQUESTED,
    (T.REOPEN, S.PUBLISHED): S.CHANGES_REQUESTED,
    (T.REOPEN, S.AWARDED): S.CHANGES_REQUESTED,
    **{
        (T.ABANDON, state): S.ABANDONED
        for state in (S.DRAFT, S.SUBMITTED, S.ENVIRONMENT_REVIEW, S.CHANGES_REQUESTED, S.VALIDATED, S.PUBLISHED)
    },
}


@pytest.mark.parametrize("transition", list(T), ids=str)
@pytest.mark.parametrize("state", list(S), ids=str)
def test_transition_table_allows_exactly_the_expected_moves(transition, state, people):
    project = PurchaseProjectFactory(state=state, snapshot={"format": 1}, validated_at="2026-05-01T00:00:00Z")
    expected = EXPECTED_TARGETS.get((transition, state))
    if expected is None:
        with pytest.raises(workflow.InvalidTransition):
            workflow.apply_transition(project, transition, by=people[Role.BUYER])
        project.refresh_from_db()
        assert project.state == state
        assert not project.transition_logs.exists()
    else:
        log = workflow.apply_transition(project, transition, by=people[Role.BUYER], comment="pourquoi")
        project.refresh_from_db()
        assert project.state == expected
        assert (log.from_state, log.to_state, log.user, log.comment) == (
            state,
            expected,
            people[Role.BUYER],
            "pourquoi",
        )


# Which role may trigger which transition (when the state allows it); the prescripteur is in the project's direction.
ROLE_RIGHTS = {
    Role.BUYER: set(T) - {T.GIVE_OPINION},
    Role.PRESCRIBER: {T.SUBMIT, T.ABANDON},
    Role.ENVIRONMENT: {T.GIVE_OPINION},
    Role.ADMIN: set(),
    Role.PILOT: set(),
    Role.READER: set(),
}


def _state_for(transition):
    return next(state for (move, state) in EXPECTED_TARGETS if move == transition)


@pytest.mark.parametrize("transition", list(T), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_apply_only_its_transitions(role, transition, people, direction):
    project = PurchaseProjectFactory(
        organisation=direction.organisation,
        direction=direction,
        state=_state_for(transition),
        snapshot={"format": 1},
        validated_at="2026-05-01T00:00:00Z",
    )
    request = request_for(people[role])
    assert perms.can_apply(request, project, transition) is (transition in ROLE_RIGHTS[role])


def test_prescriber_of_another_direction_cannot_edit_or_submit(people, other_direction):
    project = PurchaseProjectFactory(organisation=other_direction.organisation, direction=other_direction)
    request = request_for(people[Role.PRESCRIBER])
    assert not perms.can_edit_project(request, project)
    assert not perms.can_apply(request, project, T.SUBMIT)
    assert perms.can_edit_project(request_for(people[Role.BUYER]), project)


def test_prescriber_abandons_own_draft_but_not_a_submitted_form(people, direction):
    request = request_for(people[Role.PRESCRIBER])
    assert perms.can_apply(request, PurchaseProjectFactory(direction=direction), T.ABANDON)
    assert not perms.can_apply(request, PurchaseProjectFactory(direction=direction, submitted=True), T.ABANDON)


def test_nobody_edits_a_submitted_form(people, direction):
    project = PurchaseProjectFactory(direction=direction, submitted=True)
    for role in Role:
        assert not perms.can_edit_project(request_for(people[role]), project)


# --- services: rules, log, snapshot, notifications ----------------------------------------------------------


def test_submit_refused_while_blocking_rules_fail(people, direction):
    project = PurchaseProjectFactory(organisation=direction.organisation, direction=direction)
    with pytest.raises(ValidationError) as error:
        services.project_submit(project=project, by=people[Role.PRESCRIBER])
    assert "règles bloquantes" in error.value.messages[0]
    project.refresh_from_db()
    assert project.state == S.DRAFT


def test_full_journey_logs_every_step_and_mails_the_right_people(
    people, direction, django_capture_on_commit_callbacks
):
    project = PurchaseProjectFactory(organisation=direction.organisation, direction=direction, compliant=True)
    prescriber, buyer = people[Role.PRESCRIBER], people[Role.BUYER]

    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(project=project, by=prescriber)
    assert [message.to for message in mail.outbox] == [[buyer.email]]
    assert "Fiche à valider" in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_request_changes(project=project, by=buyer, comment="Préciser le sourçage")
    assert [message.to for message in mail.outbox] == [[prescriber.email]]
    assert "Préciser le sourçage" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(project=project, by=prescriber)
        services.project_validate(project=project, by=buyer, comment="Bon pour lancement")
    assert [message.subject for message in mail.outbox] == [
        f"[SPASER] Fiche à valider : {project.subject}",
        f"[SPASER] Fiche validée : {project.subject}",
    ]
    assert mail.outbox[1].to == [prescriber.email]

    logs = list(project.transition_logs.values_list("transition", "from_state", "to_state", "user", "comment"))
    assert logs == [
        (T.SUBMIT, S.DRAFT, S.SUBMITTED, prescriber.pk, ""),
        (T.REQUEST_CHANGES, S.SUBMITTED, S.CHANGES_REQUESTED, buyer.pk, "Préciser le sourçage"),
        (T.SUBMIT, S.CHANGES_REQUESTED, S.SUBMITTED, prescriber.pk, ""),
        (T.VALIDATE, S.SUBMITTED, S.VALIDATED, buyer.pk, "Bon pour lancement"),
    ]


def test_validation_freezes_a_snapshot_that_later_changes_do_not_rewrite(people, direction):
    project = PurchaseProjectFactory(organisation=direction.organisation, direction=direction, compliant=True)
    services.project_submit(project=project, by=people[Role.PRESCRIBER])
    services.project_validate(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    snapshot = project.snapshot
    assert snapshot["fields"]["subject"] == project.subject
    assert snapshot["fields"]["estimated_amount"] == "100000.00"
    assert [item["weight"] for item in snapshot["award_criteria"]] == ["50.00", "35.00", "15.00"]
    assert snapshot["direction"]["code"] == direction.code
    assert snapshot["referentiel_version"] == project.referentiel_version != ""
    assert all(item["status"] != "failed" or item["severity"] != "blocking" for item in snapshot["compliance"])
    # The criteria change afterwards (e.g. an admin edit): the frozen snapshot stays as validated.
    project.award_criteria.filter(label="Prix").update(weight=60)
    project.refresh_from_db()
    assert project.snapshot == snapshot


def test_request_changes_and_abandon_need_a_comment(people):
    project = PurchaseProjectFactory(submitted=True)
    with pytest.raises(ValidationError):
        services.project_request_changes(project=project, by=people[Role.BUYER], comment="  ")
    with pytest.raises(ValidationError):
        services.project_abandon(project=project, by=people[Role.BUYER], comment="")
    services.project_abandon(project=project, by=people[Role.BUYER], comment="Besoin couvert par l'UGAP")
    project.refresh_from_db()
    assert project.state == S.ABANDONED


def test_targeted_amount_gets_environment_opinion_automatically(
    people, organisation, django_capture_on_commit_callbacks
):
    StrategySettings.objects.create(organisation=organisation, opinion_amount_threshold=90000)
    project = PurchaseProjectFactory(organisation=organisation, compliant=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert project.state == S.ENVIRONMENT_REVIEW
    assert [log.transition for log in project.transition_logs.all()] == [T.SUBMIT, T.REQUEST_OPINION]
    assert [people[Role.ENVIRONMENT].email] in [message.to for message in mail.outbox]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_give_opinion(
            project=project, by=people[Role.ENVIRONMENT], comment="Critère bien calibré", favourable=True
        )
    project.refresh_from_db()
    assert project.state == S.SUBMITTED
    assert project.environment_opinion_favourable is True
    assert [message.to for message in mail.outbox] == [[people[Role.BUYER].email]]


def test_amount_below_opinion_threshold_goes_straight_to_validation(people, organisation):
    StrategySettings.objects.create(organisation=organisation, opinion_amount_threshold=100001)
    project = PurchaseProjectFactory(organisation=organisation, compliant=True)
    services.project_submit(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert project.state == S.SUBMITTED


def test_stale_form_is_refused_with_an_explanation(people):
    project = PurchaseProjectFactory()
    services.project_update(
        project=project, by=people[Role.BUYER], data={"subject": "Nouvel objet"}, expected_version=1
    )
    with pytest.raises(ValidationError) as error:
        services.project_update(project=project, by=people[Role.BUYER], data={"subject": "Ancien"}, expected_version=1)
    assert "modifiée par quelqu'un d'autre" in error.value.messages[0]
    project.refresh_from_db()
    assert project.subject == "Nouvel objet"
    assert project.version == 2


def test_update_is_all_or_nothing(people):
    project = PurchaseProjectFactory(compliant=True)
    with pytest.raises(ValidationError):
        services.project_update(
            project=project,
            by=people[Role.BUYER],
            data={"subject": "Changé", "estimated_amount": -5},
            criteria=[],
            expected_version=1,
        )
    project.refresh_from_db()
    assert project.subject != "Changé"
    assert project.award_criteria.count() == 3


def test_publish_records_the_actual_launch_date(people, organisation):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True)
    services.project_submit(project=project, by=people[Role.PRESCRIBER])
    services.project_validate(project=project, by=people[Role.BUYER])
    with pytest.raises(ValidationError):
        services.project_publish(project=project, by=people[Role.BUYER])
    services.project_publish(project=project, by=people[Role.BUYER], launch_date=datetime.date(2026, 9, 3))
    project.refresh_from_db()
    assert (project.state, project.launched_on) == (S.PUBLISHED, datetime.date(2026, 9, 3))


def test_publish_refused_when_the_actual_date_brings_the_2026_rules(people, organisation):
    """Planned on 2026-08-20 without environmental execution condition; launched on 2026-08-21: refused."""
    project = PurchaseProjectFactory(
        organisation=organisation, compliant=True, planned_launch_date=datetime.date(2026, 8, 20)
    )
    project.clauses.all().delete()
    services.project_submit(project=project, by=people[Role.PRESCRIBER])
    services.project_validate(project=project, by=people[Role.BUYER])
    with pytest.raises(ValidationError) as error:
        services.project_publish(project=project, by=people[Role.BUYER], launch_date=datetime.date(2026, 8, 21))
    assert "condition d'exécution environnementale" in " ".join(error.value.messages)
    services.project_publish(project=project, by=people[Role.BUYER], launch_date=datetime.date(2026, 8, 20))
    project.refresh_from_db()
    assert project.state == S.PUBLISHED


@pytest.mark.parametrize(
    ("reached", "steps_back"),
    [
        (S.VALIDATED, []),
        (S.PUBLISHED, [(T.PUBLISH, S.VALIDATED, S.PUBLISHED)]),
        (S.AWARDED, [(T.PUBLISH, S.VALIDATED, S.PUBLISHED), (T.AWARD, S.PUBLISHED, S.AWARDED)]),
    ],
    ids=str,
)
def test_a_reopened_form_is_corrected_then_returns_where_it_was(
    reached, steps_back, people, direction, django_capture_on_commit_callbacks
):
    """The reconciliation report asks to take a validated form up again: the acheteur reopens it with what to
    correct (the author is told), the form is edited and validated again, and goes back to where it was, each
    step in the log; the new snapshot describes the corrected form."""
    project = PurchaseProjectFactory(organisation=direction.organisation, direction=direction, compliant=True)
    prescriber, buyer = people[Role.PRESCRIBER], people[Role.BUYER]
    services.project_submit(project=project, by=prescriber)
    services.project_validate(project=project, by=buyer)
    if reached != S.VALIDATED:
        services.project_publish(project=project, by=buyer, launch_date=datetime.date(2026, 6, 1))
    if reached == S.AWARDED:
        services.project_award(project=project, by=buyer)
    project.refresh_from_db()
    before = project.transition_logs.count()

    with pytest.raises(ValidationError):
        services.project_reopen(project=project, by=buyer, comment=" ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_reopen(project=project, by=buyer, comment="Le marché signé contient une clause d'insertion")
    project.refresh_from_db()
    assert project.state == S.CHANGES_REQUESTED
    assert perms.can_edit_project(request_for(prescriber), project)
    assert [message.to for message in mail.outbox] == [[prescriber.email]]
    assert "clause d'insertion" in mail.outbox[0].body

    services.project_update(
        project=project, by=prescriber, data={"subject": "Objet corrigé"}, expected_version=project.version
    )
    services.project_submit(project=project, by=prescriber)
    services.project_validate(project=project, by=buyer, comment="Correction validée")
    project.refresh_from_db()
    assert project.state == reached
    assert project.snapshot["fields"]["subject"] == "Objet corrigé"
    logs = list(project.transition_logs.values_list("transition", "from_state", "to_state")[before:])
    assert logs == [
        (T.REOPEN, reached, S.CHANGES_REQUESTED),
        (T.SUBMIT, S.CHANGES_REQUESTED, S.SUBMITTED),
        (T.VALIDATE, S.SUBMITTED, S.VALIDATED),
        *steps_back,
    ]


def test_a_reopened_form_returns_where_it_was_after_further_requests_for_changes(people, direction):
    """The round of work a reopening starts may hold ordinary requests for changes: the form still returns to
    where it was once validated, and may be reopened again."""
    project = PurchaseProjectFactory(organisation=direction.organisation, direction=direction, compliant=True)
    prescriber, buyer = people[Role.PRESCRIBER], people[Role.BUYER]
    services.project_submit(project=project, by=prescriber)
    services.project_validate(project=project, by=buyer)
    services.project_publish(project=project, by=buyer, launch_date=datetime.date(2026, 6, 1))
    services.project_reopen(project=project, by=buyer, comment="à corriger")
    services.project_submit(project=project, by=prescriber)
    services.project_request_changes(project=project, by=buyer, comment="encore")
    services.project_submit(project=project, by=prescriber)
    services.project_validate(project=project, by=buyer)
    project.refresh_from_db()
    assert project.state == S.PUBLISHED  # the reopening opened this round: the consultation stays launched
    services.project_reopen(project=project, by=buyer, comment="à corriger encore")
    project.refresh_from_db()
    assert project.state == S.CHANGES_REQUESTED
