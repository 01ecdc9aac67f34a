import io

from django.apps import apps

from spaser.accounts.demo import demo_data_create
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import ProgrammeEntry, PurchaseProject


def test_bootstrap_creates_demo_projects_in_different_states_once():
    demo_data_create()
    apps.get_app_config("referentiel").bootstrap(stdout=io.StringIO(), demo=True)
    config = apps.get_app_config("strategies")
    config.bootstrap(stdout=io.StringIO(), demo=True)
    states = sorted(PurchaseProject.objects.values_list("state", flat=True))
    assert states == sorted(
        [
            ProjectState.DRAFT,
            ProjectState.SUBMITTED,
            ProjectState.CHANGES_REQUESTED,
            ProjectState.VALIDATED,
            ProjectState.PUBLISHED,
        ]
    )
    validated = PurchaseProject.objects.get(state=ProjectState.VALIDATED)
    assert validated.snapshot["referentiel_version"].startswith("référentiel du")
    assert [log.transition for log in validated.transition_logs.all()] == [
        "submit",
        "request_opinion",
        "give_opinion",
        "validate",
    ]
    assert PurchaseProject.objects.get(state=ProjectState.DRAFT).blocking_count > 0
    assert ProgrammeEntry.objects.filter(is_published=True).count() == 2
    out = io.StringIO()
    config.bootstrap(stdout=out, demo=True)
    assert PurchaseProject.objects.count() == 5
    assert "déjà présents" in out.getvalue()


def test_no_demo_projects_outside_demo_mode():
    demo_data_create()
    apps.get_app_config("strategies").bootstrap(stdout=io.StringIO(), demo=False)
    assert not PurchaseProject.objects.exists()
