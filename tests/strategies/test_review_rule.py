"""The organisation's four-eyes setting: whoever created or submitted a form does not validate it nor give its
environment opinion (on by default; only an administrator turns it off)."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.strategies import selectors, services
from spaser.strategies.enums import ProjectState as S, Transition as T
from spaser.strategies.models import StrategySettings
from tests.accounts.factories import MembershipFactory
from tests.strategies.factories import PurchaseProjectFactory

REFUSAL = "une autre personne doit la valider"


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.fixture
def buyer(people):
    return people[Role.BUYER]


@pytest.fixture
def other_buyer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.BUYER).user


@pytest.fixture
def own_form(organisation, buyer):
    """A compliant form the acheteur wrote and submitted himself."""
    project = PurchaseProjectFactory(organisation=organisation, compliant=True, created_by=buyer)
    return services.project_submit(project=project, by=buyer)


def test_the_rule_is_on_by_default(organisation):
    assert selectors.settings_for(organisation).validator_not_author is True
    assert StrategySettings.objects.create(organisation=organisation).validator_not_author is True


def test_the_author_cannot_validate_and_nothing_changes(own_form, buyer):
    logs = list(own_form.transition_logs.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as error:
        services.project_validate(project=own_form, by=buyer, expected_version=own_form.version)
    assert error.value.code == "author"
    assert "Vous avez rédigé cette fiche : une autre personne doit la valider" in error.value.messages[0]
    own_form.refresh_from_db()
    assert (own_form.state, own_form.snapshot, own_form.validated_at) == (S.SUBMITTED, None, None)
    assert list(own_form.transition_logs.values_list("pk", flat=True)) == logs


def test_whoever_submitted_a_form_written_by_someone_else_cannot_validate_it(people, organisation, other_buyer):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True, created_by=people[Role.PRESCRIBER])
    services.project_submit(project=project, by=other_buyer)
    with pytest.raises(ValidationError) as error:
        services.project_validate(project=project, by=other_buyer)
    assert "Vous avez soumis cette fiche" in error.value.messages[0]
    services.project_validate(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert project.state == S.VALIDATED


def test_another_acheteur_validates_it(own_form, buyer, other_buyer):
    services.project_validate(project=own_form, by=other_buyer, comment="Relu")
    own_form.refresh_from_db()
    assert own_form.state == S.VALIDATED
    assert own_form.transition_logs.last().user == other_buyer


def test_with_the_rule_off_the_author_validates(own_form, buyer, organisation):
    services.strategy_settings_update(organisation=organisation, data={"validator_not_author": False})
    services.project_validate(project=own_form, by=buyer)
    own_form.refresh_from_db()
    assert own_form.state == S.VALIDATED


def test_the_author_cannot_give_the_environment_opinion(organisation, people):
    """Someone holding both roles writes a form: the opinion on it is someone else's."""
    author = people[Role.ENVIRONMENT]
    MembershipFactory(organisation=organisation, user=author, role=Role.BUYER)
    project = PurchaseProjectFactory(organisation=organisation, compliant=True, created_by=author)
    services.project_submit(project=project, by=author)
    services.project_request_opinion(project=project, by=people[Role.BUYER])
    with pytest.raises(ValidationError) as error:
        services.project_give_opinion(project=project, by=author, comment="Très bien", favourable=True)
    assert "une autre personne doit rendre l'avis environnement" in error.value.messages[0]
    project.refresh_from_db()
    assert (project.state, project.environment_opinion) == (S.ENVIRONMENT_REVIEW, "")


def test_the_author_may_still_send_back_and_reopen_own_form(own_form, buyer, other_buyer):
    """Asking for changes or reopening approves nothing: the rule does not stop them."""
    services.project_request_changes(project=own_form, by=buyer, comment="Je complète le sourçage")
    services.project_submit(project=own_form, by=buyer)
    services.project_validate(project=own_form, by=other_buyer)
    services.project_reopen(project=own_form, by=buyer, comment="Clause d'insertion à décrire")
    own_form.refresh_from_db()
    assert own_form.state == S.CHANGES_REQUESTED


# --- pages ----------------------------------------------------------------------------------------------------


def _post_validate(client, project):
    return client.post(
        reverse("strategies:project_transition", args=[project.pk, T.VALIDATE]),
        {"validate-version": project.version, "validate-comment": "Bon pour lancement"},
        follow=True,
    )


def test_the_page_disables_the_button_with_the_reason_and_refuses_a_forged_post(client, own_form, buyer):
    client.force_login(buyer)
    page = text(client.get(reverse("strategies:project_detail", args=[own_form.pk])))
    assert 'disabled aria-describedby="refus-validate">Valider</button>' in page
    assert REFUSAL in page
    assert f'action="/achats/{own_form.pk}/etape/validate/"' not in page
    # "Demander des modifications" stays available to the author.
    assert 'class="btn btn-outline-primary">Demander des modifications</button>' in page
    logs = own_form.transition_logs.count()

    response = _post_validate(client, own_form)
    assert REFUSAL in text(response)
    own_form.refresh_from_db()
    assert own_form.state == S.SUBMITTED
    assert own_form.transition_logs.count() == logs


def test_another_acheteur_sees_and_uses_the_button(client, own_form, other_buyer):
    client.force_login(other_buyer)
    page = text(client.get(reverse("strategies:project_detail", args=[own_form.pk])))
    assert REFUSAL not in page and "refus-validate" not in page
    assert "Étape « Valider » enregistrée." in text(_post_validate(client, own_form))
    own_form.refresh_from_db()
    assert own_form.state == S.VALIDATED


def _settings_post(client, **extra):
    return client.post(
        reverse("strategies:settings"),
        {"env_weight_min": "10", "env_weight_max": "15", "opinion_amount_threshold": "", **extra},
    )


def test_only_an_administrator_lifts_the_rule_and_the_history_keeps_who(client, people, organisation):
    client.force_login(people[Role.BUYER])
    page = text(client.get(reverse("strategies:settings")))
    assert "La personne qui valide une fiche n'en est pas l'auteur" in page
    assert "Seul un administrateur de l'organisation peut modifier ce réglage." in page
    assert _settings_post(client).status_code == 302  # the box left unticked by an acheteur changes nothing
    assert selectors.settings_for(organisation).validator_not_author is True

    client.force_login(people[Role.ADMIN])
    assert "Seul un administrateur" not in text(client.get(reverse("strategies:settings")))
    assert _settings_post(client).status_code == 302
    saved = StrategySettings.objects.get(organisation=organisation)
    assert saved.validator_not_author is False
    assert saved.history.first().history_user == people[Role.ADMIN]
    assert _settings_post(client, validator_not_author="on").status_code == 302
    changes = [(row.validator_not_author, row.history_user) for row in saved.history.order_by("history_date")]
    assert changes[-2:] == [(False, people[Role.ADMIN]), (True, people[Role.ADMIN])]
    assert {value for value, user in changes[:-2]} == {True}  # the acheteur's save kept the rule
