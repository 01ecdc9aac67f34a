"""Published contracts (DECP) confirmed for a purchase project: services, permissions and the project page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.strategies import perms, selectors, services, workflow
from spaser.strategies.enums import ContractLinkEvent, CriterionKind, ProjectState, Transition
from spaser.strategies.models import AwardCriterion, ProjectContract, PurchaseProject
from tests.accounts.factories import MembershipFactory, OrganisationFactory
from tests.contracts.factories import ContractFactory
from tests.strategies.conftest import request_for
from tests.strategies.factories import PurchaseProjectFactory
from tests.strategies.test_views import text


def frozen(project):
    """Gives a factory-made validated project the real snapshot its page reads."""
    project.snapshot = services.project_snapshot(project, report=selectors.project_report(project))
    project.save(update_fields=["snapshot"])
    return project


def published(organisation, **kwargs):
    return frozen(
        PurchaseProjectFactory(organisation=organisation, validated=True, state=ProjectState.PUBLISHED, **kwargs)
    )


@pytest.fixture
def buyer(people):
    return people[Role.BUYER]


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


# --- Services ------------------------------------------------------------------------------------------------


def test_confirming_a_contract_of_a_published_project_awards_it_through_the_workflow(organisation, buyer):
    project = published(organisation)
    contract = ContractFactory(buyer=organisation, external_id="2026-0042")
    links = services.project_contract_confirm(
        project=project, contract_ids=[contract.pk], by=buyer, scores={contract.pk: 0.87}
    )
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert [(link.contract, link.confirmed_by, link.score) for link in links] == [(contract, buyer, 0.87)]
    logs = list(project.transition_logs.order_by("pk").values_list("transition", "from_state", "to_state", "user"))
    assert logs == [
        (ContractLinkEvent.LINKED, ProjectState.PUBLISHED, ProjectState.PUBLISHED, buyer.pk),
        (Transition.AWARD, ProjectState.PUBLISHED, ProjectState.AWARDED, buyer.pk),
    ]
    assert "2026-0042" in project.transition_logs.get(transition=Transition.AWARD).comment


def test_a_validated_project_is_awarded_too(organisation, buyer):
    project = PurchaseProjectFactory(organisation=organisation, validated=True)
    services.project_contract_confirm(project=project, contract_ids=[ContractFactory(buyer=organisation).pk], by=buyer)
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert project.transition_logs.get(transition=Transition.AWARD).from_state == ProjectState.VALIDATED


def test_one_contract_per_lot_and_an_awarded_project_is_not_awarded_twice(organisation, buyer):
    project = published(organisation)
    lots = [ContractFactory(buyer=organisation) for _ in range(3)]
    services.project_contract_confirm(project=project, contract_ids=[lots[0].pk, lots[1].pk], by=buyer)
    services.project_contract_confirm(project=project, contract_ids=[lots[2].pk], by=buyer)
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert set(project.contract_links.values_list("contract", flat=True)) == {lot.pk for lot in lots}
    assert project.transition_logs.filter(transition=Transition.AWARD).count() == 1
    assert project.transition_logs.filter(transition=ContractLinkEvent.LINKED).count() == 2


def test_a_draft_cannot_be_linked(organisation, buyer):
    project = PurchaseProjectFactory(organisation=organisation)
    with pytest.raises(ValidationError, match="validé, publié ou attribué"):
        services.project_contract_confirm(
            project=project, contract_ids=[ContractFactory(buyer=organisation).pk], by=buyer
        )
    assert not ProjectContract.objects.exists()


def test_another_organisations_contract_is_refused_and_nothing_is_linked(organisation, buyer):
    project = published(organisation)
    mine = ContractFactory(buyer=organisation)
    foreign = ContractFactory(buyer=OrganisationFactory(), external_id="AUTRE-1")
    with pytest.raises(ValidationError) as caught:
        services.project_contract_confirm(project=project, contract_ids=[mine.pk, foreign.pk], by=buyer)
    assert caught.value.messages == [
        "Le marché « AUTRE-1 » a été publié par un autre acheteur : "
        "seuls les marchés de votre organisation peuvent être rattachés à ses projets."
    ]
    project.refresh_from_db()
    assert project.state == ProjectState.PUBLISHED
    assert not ProjectContract.objects.exists()
    assert not project.transition_logs.exists()


def test_a_contract_already_linked_is_refused_with_the_project_it_answers(organisation, buyer):
    first = published(organisation, subject="Nettoyage des lycées")
    second = published(organisation)
    contract = ContractFactory(buyer=organisation, external_id="2026-0007")
    services.project_contract_confirm(project=first, contract_ids=[contract.pk], by=buyer)
    with pytest.raises(ValidationError) as caught:
        services.project_contract_confirm(project=second, contract_ids=[contract.pk], by=buyer)
    assert caught.value.messages == [
        "Le marché « 2026-0007 » est déjà rattaché au projet « Nettoyage des lycées » : "
        "un marché ne répond qu'à un seul projet."
    ]
    first.refresh_from_db()
    with pytest.raises(ValidationError, match="déjà rattaché à ce projet"):
        services.project_contract_confirm(project=first, contract_ids=[contract.pk], by=buyer)
    second.refresh_from_db()
    assert second.state == ProjectState.PUBLISHED


def test_nothing_checked_is_refused(organisation, buyer):
    with pytest.raises(ValidationError, match="Cochez au moins un marché"):
        services.project_contract_confirm(project=published(organisation), contract_ids=[], by=buyer)


def test_unlinking_requires_a_reason_and_logs_it(organisation, buyer):
    project = published(organisation)
    contract = ContractFactory(buyer=organisation, external_id="2026-0100")
    (link,) = services.project_contract_confirm(project=project, contract_ids=[contract.pk], by=buyer)
    with pytest.raises(ValidationError, match="Dites pourquoi"):
        services.project_contract_unlink(link=link, by=buyer, reason="  ")
    assert ProjectContract.objects.filter(pk=link.pk).exists()
    services.project_contract_unlink(link=link, by=buyer, reason="Marché d'un autre lycée.")
    assert not ProjectContract.objects.filter(pk=link.pk).exists()
    log = project.transition_logs.get(transition=ContractLinkEvent.UNLINKED)
    assert log.comment == "Marché « 2026-0100 » détaché : Marché d'un autre lycée."
    assert log.transition_label == "Marché publié détaché"
    # The contract is free again for the right project.
    other = published(organisation)
    services.project_contract_confirm(project=other, contract_ids=[contract.pk], by=buyer)


def test_detaching_the_last_contract_cancels_the_award_through_the_workflow(organisation, buyer):
    project = published(organisation)
    first, second = ContractFactory(buyer=organisation, external_id="LOT-1"), ContractFactory(buyer=organisation)
    links = services.project_contract_confirm(project=project, contract_ids=[first.pk, second.pk], by=buyer)
    assert services.project_contract_unlink(link=links[1], by=buyer, reason="Autre consultation.") is False
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED  # one lot is still answered by a published contract
    version = project.version
    assert services.project_contract_unlink(link=links[0], by=buyer, reason="Erreur de rattachement.") is True
    project.refresh_from_db()
    assert project.state == ProjectState.PUBLISHED
    assert project.version == version + 1
    logs = list(project.transition_logs.order_by("pk").values_list("transition", "from_state", "to_state", "user"))
    assert logs[-2:] == [
        (ContractLinkEvent.UNLINKED, ProjectState.AWARDED, ProjectState.AWARDED, buyer.pk),
        (Transition.UNAWARD, ProjectState.AWARDED, ProjectState.PUBLISHED, buyer.pk),
    ]
    log = project.transition_logs.get(transition=Transition.UNAWARD)
    assert log.transition_label == "Annuler l'attribution"
    assert log.comment == "Dernier marché publié détaché (« LOT-1 ») : l'attribution n'est plus constatée."
    assert list(PurchaseProject.objects.award_cancelled()) == [project]
    # The right contract awards it again, and it leaves the "award cancelled" list.
    services.project_contract_confirm(project=project, contract_ids=[first.pk], by=buyer)
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert project.transition_logs.filter(transition=Transition.AWARD).count() == 2
    assert not PurchaseProject.objects.award_cancelled().exists()


def test_unaward_is_in_the_transition_table_from_awarded_only():
    assert workflow.TRANSITIONS[Transition.UNAWARD] == (frozenset({ProjectState.AWARDED}), ProjectState.PUBLISHED)
    assert Transition.UNAWARD in workflow.allowed_from(ProjectState.AWARDED)
    for state in set(ProjectState.values) - {ProjectState.AWARDED}:
        assert Transition.UNAWARD not in workflow.allowed_from(state), state


def test_an_award_recorded_by_hand_is_cancelled_by_hand_with_a_reason(organisation, buyer):
    project = published(organisation)
    services.project_award(project=project, by=buyer)
    with pytest.raises(ValidationError, match="Dites pourquoi l'attribution est annulée"):
        services.project_unaward(project=project, by=buyer, comment=" ")
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    services.project_unaward(project=project, by=buyer, comment="Attribution saisie par erreur.")
    project.refresh_from_db()
    assert project.state == ProjectState.PUBLISHED
    log = project.transition_logs.get(transition=Transition.UNAWARD)
    assert (log.from_state, log.to_state, log.comment) == (
        ProjectState.AWARDED,
        ProjectState.PUBLISHED,
        "Attribution saisie par erreur.",
    )
    with pytest.raises(workflow.InvalidTransition, match="impossible depuis l'état « Publiée »"):
        services.project_unaward(project=project, by=buyer, comment="Encore.")


def test_an_award_resting_on_linked_contracts_is_not_cancelled_by_hand(organisation, buyer):
    project = published(organisation)
    services.project_contract_confirm(project=project, contract_ids=[ContractFactory(buyer=organisation).pk], by=buyer)
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="détachez-les"):
        services.project_unaward(project=project, by=buyer, comment="Erreur.")
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert not project.transition_logs.filter(transition=Transition.UNAWARD).exists()


@pytest.mark.parametrize(
    "role, linked, allowed",
    [
        (Role.BUYER, False, True),
        (Role.BUYER, True, False),
        (Role.ADMIN, False, False),
        (Role.PRESCRIBER, False, False),
        (Role.PILOT, False, False),
        (Role.READER, False, False),
    ],
)
def test_who_may_cancel_an_award_by_hand(people, organisation, buyer, role, linked, allowed):
    project = PurchaseProjectFactory(organisation=organisation, validated=True, state=ProjectState.AWARDED)
    if linked:
        ProjectContract.objects.create(project=project, contract=ContractFactory(buyer=organisation))
    assert perms.can_apply(request_for(people[role]), project, Transition.UNAWARD) is allowed


def test_transition_view_refuses_a_cancellation_by_hand_to_a_prescriber(client, people, organisation):
    project = frozen(PurchaseProjectFactory(organisation=organisation, validated=True, state=ProjectState.AWARDED))
    client.force_login(people[Role.PRESCRIBER])
    url = reverse("strategies:project_transition", args=[project.pk, Transition.UNAWARD])
    data = {"unaward-version": project.version, "unaward-comment": "Erreur."}
    assert client.post(url, data).status_code == 403
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    client.force_login(people[Role.BUYER])
    page = text(client.get(reverse("strategies:project_detail", args=[project.pk])))
    assert "Annuler l'attribution" in page
    response = client.post(url, data, follow=True)
    assert "Étape « Annuler l'attribution » enregistrée." in text(response)
    project.refresh_from_db()
    assert project.state == ProjectState.PUBLISHED


@pytest.mark.parametrize(
    "role, state, allowed",
    [
        (Role.BUYER, ProjectState.PUBLISHED, True),
        (Role.ADMIN, ProjectState.VALIDATED, True),
        (Role.BUYER, ProjectState.AWARDED, True),
        (Role.BUYER, ProjectState.SUBMITTED, False),
        (Role.BUYER, ProjectState.CLOSED, False),
        (Role.PRESCRIBER, ProjectState.PUBLISHED, False),
        (Role.PILOT, ProjectState.PUBLISHED, False),
        (Role.READER, ProjectState.PUBLISHED, False),
    ],
)
def test_who_may_link_contracts(people, organisation, role, state, allowed):
    project = PurchaseProjectFactory(organisation=organisation, validated=True, state=state)
    assert perms.can_link_contracts(request_for(people[role]), project) is allowed


# --- Project page ------------------------------------------------------------------------------------------------


@pytest.fixture
def it_project(organisation):
    return published(
        organisation,
        subject="Assistance informatique aux utilisateurs",
        estimated_amount=Decimal(1_200_000),
        planned_launch_date=datetime.date(2018, 9, 1),
        planned_notification_date=datetime.date(2018, 12, 15),
    )


def test_the_page_suggests_the_matching_contract_with_its_score_and_reasons(buyer_client, organisation, it_project):
    ContractFactory(
        buyer=organisation,
        external_id="2019ANTA336800",
        object="Prestations d'assistance informatique pour les utilisateurs de la Région",
        current_amount=Decimal(1_280_000),
        notified_on=datetime.date(2019, 1, 7),
    )
    ContractFactory(buyer=organisation, object="Travaux de couverture du lycée")
    page = text(buyer_client.get(reverse("strategies:project_detail", args=[it_project.pk])))
    assert "Marchés publiés (DECP)" in page
    assert "2019ANTA336800" in page and "objet proche (75 %)" in page and "Score " in page
    assert "Travaux de couverture" not in page


def test_the_search_finds_another_contract_of_the_buyer_only(buyer_client, organisation, it_project):
    ContractFactory(buyer=organisation, external_id="2020-555", object="Maintenance des photocopieurs")
    ContractFactory(buyer=OrganisationFactory(), external_id="2020-556", object="Maintenance des photocopieurs")
    url = reverse("strategies:project_detail", args=[it_project.pk])
    page = text(buyer_client.get(url, {"marche": "photocopieurs maintenance"}))
    assert "2020-555" in page and "2020-556" not in page
    assert "2020-555" in text(buyer_client.get(url, {"marche": "2020-555"}))
    assert "ne correspond à « 2020-556 »" in text(buyer_client.get(url, {"marche": "2020-556"}))


def test_readers_see_the_links_but_no_suggestion(client, member_of, organisation, buyer, it_project):
    contract = ContractFactory(buyer=organisation, external_id="2019-LIE")
    ContractFactory(buyer=organisation, object="Assistance informatique aux utilisateurs des lycées")
    services.project_contract_confirm(project=it_project, contract_ids=[contract.pk], by=buyer)
    client.force_login(member_of(Role.READER))
    page = text(client.get(reverse("strategies:project_detail", args=[it_project.pk])))
    assert "2019-LIE" in page
    assert "Marchés suggérés" not in page and "Confirmer le rattachement" not in page


def test_confirm_view_awards_and_keeps_the_suggestion_score(buyer_client, organisation, it_project):
    contract = ContractFactory(
        buyer=organisation,
        object="Assistance informatique aux utilisateurs",
        current_amount=Decimal(1_200_000),
        notified_on=datetime.date(2018, 12, 15),
    )
    response = buyer_client.post(
        reverse("strategies:project_contract_confirm", args=[it_project.pk]), {"contracts": [contract.pk]}, follow=True
    )
    assert "Le projet est désormais « Attribuée »" in text(response)
    it_project.refresh_from_db()
    assert it_project.state == ProjectState.AWARDED
    assert it_project.contract_links.get().score == pytest.approx(1.0 + 0.25 + 0.25)


def test_confirm_view_reports_a_refusal_in_french(buyer_client, organisation, it_project):
    foreign = ContractFactory(buyer=OrganisationFactory(), external_id="ETRANGER-9")
    response = buyer_client.post(
        reverse("strategies:project_contract_confirm", args=[it_project.pk]), {"contracts": [foreign.pk]}, follow=True
    )
    assert "Rattachement refusé : Le marché « ETRANGER-9 » a été publié par un autre acheteur" in text(response)
    assert not ProjectContract.objects.exists()


def test_prescriber_cannot_confirm(client, people, organisation, it_project):
    client.force_login(people[Role.PRESCRIBER])
    contract = ContractFactory(buyer=organisation)
    response = client.post(
        reverse("strategies:project_contract_confirm", args=[it_project.pk]), {"contracts": [contract.pk]}
    )
    assert response.status_code == 403
    assert not ProjectContract.objects.exists()


def test_unlink_view_without_reason_keeps_the_link(buyer_client, organisation, buyer, it_project):
    contract = ContractFactory(buyer=organisation)
    (link,) = services.project_contract_confirm(project=it_project, contract_ids=[contract.pk], by=buyer)
    url = reverse("strategies:project_contract_unlink", args=[it_project.pk, link.pk])
    response = buyer_client.post(url, {"reason": ""}, follow=True)
    assert "Marché non détaché : Dites pourquoi ce marché est détaché du projet." in text(response)
    assert ProjectContract.objects.filter(pk=link.pk).exists()
    response = buyer_client.post(url, {"reason": "Erreur de rattachement"}, follow=True)
    assert not ProjectContract.objects.filter(pk=link.pk).exists()
    assert "C'était le dernier : l'attribution est annulée, le projet est de nouveau « Publiée »." in text(response)


def test_home_page_lists_the_cancelled_awards_for_buyers_and_the_filter_finds_them(
    client, people, organisation, buyer, it_project
):
    contract = ContractFactory(buyer=organisation, considerations_published=True, social_none=True)
    AwardCriterion.objects.create(project=it_project, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=15)
    frozen(it_project)
    (link,) = services.project_contract_confirm(project=it_project, contract_ids=[contract.pk], by=buyer)
    other = published(organisation, subject="Marché toujours publié")
    client.force_login(buyer)
    home = " ".join(text(client.get(reverse("core:home"))).split())
    assert "Écarts entre fiches et marchés publiés</a> : 1" in home
    assert "Attributions annulées" not in home
    services.project_contract_unlink(link=link, by=buyer, reason="Erreur de rattachement.")
    home = " ".join(text(client.get(reverse("core:home"))).split())
    assert "Attributions annulées : marché publié à rattacher</a> : 1" in home
    assert "Écarts entre fiches et marchés publiés" not in home  # the disagreement went with the link
    listing = text(client.get(reverse("strategies:project_list"), {"award": "cancelled"}))
    assert it_project.subject in listing
    assert other.subject not in listing
    client.force_login(people[Role.READER])
    assert "Attributions annulées" not in text(client.get(reverse("core:home")))


def test_contract_page_shows_the_project_to_its_organisation_only(client, organisation, buyer, it_project):
    contract = ContractFactory(buyer=organisation)
    services.project_contract_confirm(project=it_project, contract_ids=[contract.pk], by=buyer)
    url = reverse("contracts:detail", args=[contract.pk])
    client.force_login(buyer)
    page = text(client.get(url))
    assert "Ce marché répond au projet d'achat" in page and it_project.subject in page
    assert "écart" not in page  # 2019-format data: nothing to compare
    client.force_login(MembershipFactory(organisation=OrganisationFactory(), role=Role.BUYER).user)
    page = text(client.get(url))
    assert it_project.subject not in page


def test_contract_page_counts_the_disagreements_with_the_form_and_says_what_to_correct(
    client, organisation, buyer, it_project, django_assert_max_num_queries
):
    AwardCriterion.objects.create(project=it_project, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=15)
    frozen(it_project)
    contract = ContractFactory(
        buyer=organisation, considerations_published=True, social_clause=True, environmental_none=True
    )
    agreeing = ContractFactory(buyer=organisation, considerations_published=True, environmental_clause=True)
    services.project_contract_confirm(project=it_project, contract_ids=[contract.pk, agreeing.pk], by=buyer)
    client.force_login(buyer)
    page = " ".join(text(client.get(reverse("contracts:detail", args=[contract.pk]))).split())
    assert "<strong>2 écarts</strong> entre la fiche et les données publiées" in page
    assert (
        "Considération sociale – à corriger : la fiche. Reprendre la fiche pour qu'elle décrive la considération "
        "sociale du marché signé" in page
    )
    assert (
        "Considération environnementale – à corriger : les données publiées (DECP). Corriger la publication sur le "
        "profil d'acheteur" in page
    )
    with django_assert_max_num_queries(30) as captured:
        page = text(client.get(reverse("contracts:detail", args=[agreeing.pk])))
    assert "Aucun écart entre la fiche et les données publiées." in page
    assert not any("strategies_awardcriterion" in query["sql"] for query in captured.captured_queries)


# --- What the form plans -----------------------------------------------------------------------------------------


def test_planned_considerations_read_the_saved_rows(organisation):
    from spaser.strategies.enums import ClauseDimension, CriterionKind
    from spaser.strategies.models import AwardCriterion, Clause

    project = PurchaseProjectFactory(organisation=organisation)
    assert selectors.planned_considerations(project) == (False, False)
    AwardCriterion.objects.create(project=project, label="Env", kind=CriterionKind.ENVIRONMENTAL, weight=15)
    assert selectors.planned_considerations(project) == (False, True)
    Clause.objects.create(project=project, label="ESAT", dimension=ClauseDimension.SOCIAL)
    assert selectors.planned_considerations(project) == (True, True)
    project.award_criteria.all().delete()
    project.insertion_clause = True
    assert selectors.planned_considerations(project) == (True, False)


def test_an_administrator_may_confirm_too(client, people, organisation, it_project):
    client.force_login(people[Role.ADMIN])
    contract = ContractFactory(buyer=organisation)
    client.post(reverse("strategies:project_contract_confirm", args=[it_project.pk]), {"contracts": [contract.pk]})
    it_project.refresh_from_db()
    assert it_project.state == ProjectState.AWARDED
    assert it_project.contract_links.get().confirmed_by == people[Role.ADMIN]


def test_project_page_query_count_does_not_grow_with_links_and_suggestions(
    buyer_client, organisation, buyer, it_project, django_assert_max_num_queries
):
    def add(count):
        contracts = [
            ContractFactory(buyer=organisation, object=f"Assistance informatique aux utilisateurs, lot {index}")
            for index in range(count)
        ]
        services.project_contract_confirm(project=it_project, contract_ids=[c.pk for c in contracts], by=buyer)
        for index in range(count):
            ContractFactory(buyer=organisation, object=f"Assistance informatique des utilisateurs {index}")

    url = reverse("strategies:project_detail", args=[it_project.pk])
    add(2)
    with django_assert_max_num_queries(60) as few:
        buyer_client.get(url, {"marche": "assistance"})
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(buyer_client.get(url, {"marche": "assistance"}))
    assert page.count("/detacher/") == 17


def test_admin_site_shows_the_links_read_only_and_no_commune_select(client, organisation, buyer, it_project):
    from tests.accounts.factories import UserFactory

    contract = ContractFactory(buyer=organisation, external_id="ADMIN-VU")
    services.project_contract_confirm(project=it_project, contract_ids=[contract.pk], by=buyer)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = text(client.get(reverse("admin:strategies_purchaseproject_change", args=[it_project.pk])))
    assert "ADMIN-VU" in page
    assert 'name="execution_commune"' in page and '<select name="execution_commune"' not in page


def test_a_validated_form_answers_from_its_snapshot(organisation, people):
    """Rows edited after validation (administration) do not change what the validated form planned."""
    from spaser.strategies.enums import ClauseDimension
    from spaser.strategies.models import Clause

    project = PurchaseProjectFactory(organisation=organisation, compliant=True, submitted=True)
    assert selectors.planned_considerations(project) == (True, True)
    project = services.project_validate(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert selectors.facts_from_snapshot(project.snapshot) is not None
    project.award_criteria.all().delete()
    project.clauses.all().delete()
    project.insertion_clause = False
    project.save()
    assert selectors.planned_considerations(project) == (True, True)
    # Without a snapshot, the saved rows decide.
    project.snapshot = None
    assert selectors.planned_considerations(project) == (False, False)
    Clause.objects.create(project=project, label="ESAT", dimension=ClauseDimension.SOCIAL)
    assert selectors.planned_considerations(project) == (True, False)


def test_snapshot_without_a_social_consideration(organisation, people):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True, submitted=True)
    project.insertion_clause = False
    project.social_justification = "Prestation intellectuelle sans main-d'œuvre d'exécution."
    project.save()
    project = services.project_validate(project=project, by=people[Role.BUYER])
    project.refresh_from_db()
    assert selectors.planned_considerations(project) == (False, True)


def test_the_page_shows_where_a_linked_contract_disagrees_with_the_form(buyer_client, organisation, buyer):
    project = published(organisation, insertion_clause=True)
    contract = ContractFactory(
        buyer=organisation, considerations_published=True, social_none=True, environmental_none=True
    )
    services.project_contract_confirm(project=project, contract_ids=[contract.pk], by=buyer)
    page = text(buyer_client.get(reverse("strategies:project_detail", args=[project.pk])))
    assert "Écart : La fiche prévoit une considération sociale" in page
