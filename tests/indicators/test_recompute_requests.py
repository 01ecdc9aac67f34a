"""The recompute requests of one transaction are merged into one worker task queued on commit."""

from unittest import mock

import pytest
from django.db import transaction

from spaser.accounts.enums import Role
from spaser.indicators.services import LINK_KEYS, indicator_values_request
from spaser.strategies import services as strategy_services
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import ProjectContract
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory
from tests.strategies.factories import PurchaseProjectFactory

SOCIAL = "contracts.pnad_social_share"


@pytest.fixture
def task():
    with mock.patch("spaser.indicators.tasks.recompute_indicators") as task:
        yield task


def queued(task):
    return [call.args for call in task.call_args_list]


def test_confirming_three_lots_queues_one_recompute(organisation, member_of, task, django_capture_on_commit_callbacks):
    project = PurchaseProjectFactory(organisation=organisation, validated=True, state=ProjectState.PUBLISHED)
    lots = [ContractFactory(buyer=organisation) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        strategy_services.project_contract_confirm(
            project=project, contract_ids=[lot.pk for lot in lots], by=member_of(Role.BUYER)
        )
        assert not task.called  # on commit only
    assert queued(task) == [([organisation.pk], LINK_KEYS)]


def test_links_saved_one_by_one_in_one_transaction_queue_one_recompute_for_all_they_need(
    organisation, task, django_capture_on_commit_callbacks
):
    project = PurchaseProjectFactory(organisation=organisation, validated=True)
    other_buyer, third = OrganisationFactory(), OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for buyer in (organisation, organisation, other_buyer):
            ProjectContract.objects.create(project=project, contract=ContractFactory(buyer=buyer))
        indicator_values_request(organisation_ids=[third.pk], keys=[SOCIAL, LINK_KEYS[0]])
    assert len(callbacks) == 1
    assert queued(task) == [(sorted([organisation.pk, other_buyer.pk, third.pk]), [*LINK_KEYS, SOCIAL])]


def test_all_organisations_or_all_keys_absorb_the_narrower_requests(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        indicator_values_request(organisation_ids=[1], keys=[SOCIAL])
        indicator_values_request(organisation_ids=None, keys=LINK_KEYS)
        indicator_values_request(organisation_ids=[2])
    assert queued(task) == [(None, None)]


def test_deleting_a_form_with_three_linked_lots_queues_one_recompute(
    organisation, task, django_capture_on_commit_callbacks
):
    project = PurchaseProjectFactory(organisation=organisation, validated=True)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            ProjectContract.objects.create(project=project, contract=ContractFactory(buyer=organisation))
    task.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert queued(task) == [([organisation.pk], LINK_KEYS)]


def test_two_transactions_queue_two_recomputes(organisation, task, django_capture_on_commit_callbacks):
    other = OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        indicator_values_request(organisation_ids=[organisation.pk], keys=LINK_KEYS)
    with django_capture_on_commit_callbacks(execute=True):
        indicator_values_request(organisation_ids=[other.pk], keys=LINK_KEYS)
    assert queued(task) == [([organisation.pk], LINK_KEYS), ([other.pk], LINK_KEYS)]


def test_a_rolled_back_savepoint_takes_its_request_with_it(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            indicator_values_request(organisation_ids=[1], keys=LINK_KEYS)
            raise RuntimeError
        indicator_values_request(organisation_ids=[2], keys=[SOCIAL])
    assert queued(task) == [([2], [SOCIAL])]


def test_a_request_is_not_lost_when_a_later_savepoint_rolls_back(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        indicator_values_request(organisation_ids=[1], keys=LINK_KEYS)
        with pytest.raises(RuntimeError), transaction.atomic():
            indicator_values_request(organisation_ids=[2], keys=[SOCIAL])
            raise RuntimeError
    # One recompute, with the rolled-back request's organisation too: one too many is accepted, none missing is not.
    ((ids, keys),) = queued(task)
    assert 1 in ids and set(LINK_KEYS) <= set(keys)


def test_a_request_made_in_a_released_savepoint_is_merged(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            indicator_values_request(organisation_ids=[1], keys=LINK_KEYS)
        with transaction.atomic():
            indicator_values_request(organisation_ids=[2], keys=LINK_KEYS)
    assert queued(task) == [([1, 2], LINK_KEYS)]


@pytest.mark.django_db(transaction=True)
def test_real_commits_and_rollbacks(task):
    indicator_values_request(organisation_ids=[1], keys=LINK_KEYS)  # no transaction: queued at once
    assert queued(task) == [([1], LINK_KEYS)]
    with transaction.atomic():
        for organisation_id in (2, 3, 2):
            indicator_values_request(organisation_ids=[organisation_id], keys=LINK_KEYS)
        assert len(queued(task)) == 1
    assert queued(task)[1:] == [([2, 3], LINK_KEYS)]
    with pytest.raises(RuntimeError), transaction.atomic():
        indicator_values_request(organisation_ids=[4], keys=LINK_KEYS)
        raise RuntimeError
    with transaction.atomic():
        indicator_values_request(organisation_ids=[5], keys=LINK_KEYS)
    assert queued(task)[2:] == [([5], LINK_KEYS)]
