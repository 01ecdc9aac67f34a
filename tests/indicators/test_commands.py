"""The recompute command, the worker task, and the bootstrap step behind `make run`."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from spaser.indicators.models import IndicatorValue, ManualValue
from spaser.indicators.tasks import recompute_indicators
from tests.contracts.factories import ContractFactory


def test_command_recomputes_one_organisation_and_reports(region):
    ContractFactory(buyer=region, environmental=True)
    other = ContractFactory(social=True).buyer
    out = io.StringIO()
    call_command("compute_indicators", organisation=region.siret, year=[2024], stdout=out)
    assert "valeurs enregistrées" in out.getvalue()
    value = IndicatorValue.objects.organisation_wide().get(
        organisation=region, key="contracts.pnad_environmental_share", year=2024
    )
    assert value.value == 100 and value.record_count == 1 and value.computed_at
    assert not IndicatorValue.objects.filter(organisation=other).exists()
    call_command("compute_indicators", stdout=io.StringIO())  # every organisation
    assert (
        IndicatorValue.objects.organisation_wide()
        .get(organisation=other, key="contracts.pnad_social_share", year=2024)
        .value
        == 100
    )


def test_command_refuses_unknown_keys_and_organisations():
    with pytest.raises(CommandError, match="inconnue"):
        call_command("compute_indicators", key=["contracts.nope"])
    with pytest.raises(CommandError, match="Aucune organisation"):
        call_command("compute_indicators", organisation="00000000000000")


def test_worker_task_recomputes(region):
    ContractFactory(buyer=region, social=True)
    recompute_indicators.call_local([region.pk])
    assert (
        IndicatorValue.objects.organisation_wide()
        .get(organisation=region, key="contracts.pnad_social_share", year=2024)
        .value
        == 100
    )


def test_request_runs_after_commit(region, django_capture_on_commit_callbacks, settings):
    from spaser.indicators.services import indicator_values_request

    ContractFactory(buyer=region, environmental=True)
    with django_capture_on_commit_callbacks(execute=True):
        indicator_values_request(organisation_ids=[region.pk])
    assert IndicatorValue.objects.filter(organisation=region, year=2024).exists()


def test_bootstrap_computes_values_and_adds_demo_values_once(region):
    ContractFactory(buyer=region, environmental=True)
    other = ContractFactory(social=True).buyer  # computed by the worker (immediate in tests)
    config = apps.get_app_config("indicators")
    assert config.bootstrap_order == 70
    out = io.StringIO()
    config.bootstrap(stdout=out, demo=True)
    assert "valeurs d'indicateurs calculées" in out.getvalue()
    assert IndicatorValue.objects.filter(organisation=region, key="contracts.pnad_environmental_share").exists()
    assert IndicatorValue.objects.filter(organisation=other, key="contracts.pnad_social_share").exists()
    demo_count = ManualValue.objects.count()
    assert demo_count >= 3
    assert all("démonstration" in value.comment for value in ManualValue.objects.all())
    config.bootstrap(stdout=io.StringIO(), demo=True)
    assert ManualValue.objects.count() == demo_count


def test_bootstrap_without_demo_adds_no_manual_value(region):
    apps.get_app_config("indicators").bootstrap(stdout=io.StringIO(), demo=False)
    assert not ManualValue.objects.exists()


def test_periodic_task_recomputes_only_organisations_whose_data_changed(region):
    import datetime as dt

    from django.utils import timezone

    from spaser.imports.enums import ImportStatus
    from spaser.imports.models import ImportRun
    from spaser.indicators.selectors import stale_organisation_ids
    from spaser.indicators.tasks import recompute_stale_indicators
    from spaser.strategies.enums import ProjectState
    from spaser.strategies.models import ProjectTransitionLog
    from tests.strategies.factories import PurchaseProjectFactory

    untouched = ContractFactory(social=True).buyer
    recompute_indicators.call_local(None)
    assert stale_organisation_ids() == []

    later = timezone.now() + dt.timedelta(minutes=1)
    run = ImportRun.objects.create(status=ImportStatus.SUCCEEDED, finished_at=later, file_name="x.json")
    ContractFactory(buyer=region, environmental=True, import_run=run)
    project = PurchaseProjectFactory()
    log = ProjectTransitionLog.objects.create(
        project=project, transition="validate", from_state="submitted", to_state=ProjectState.VALIDATED
    )
    ProjectTransitionLog.objects.filter(pk=log.pk).update(timestamp=later)
    stale = stale_organisation_ids()
    assert set(stale) == {region.pk, project.organisation_id}
    assert untouched.pk not in stale

    assert set(recompute_stale_indicators.call_local()) == {region.pk, project.organisation_id}
    value = IndicatorValue.objects.organisation_wide().get(
        organisation=region, key="contracts.pnad_environmental_share", year=2024
    )
    assert value.record_count == 1
