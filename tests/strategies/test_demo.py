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


def test_demo_awards_a_form_against_the_regions_real_contract():
    """With the Région's DECP loaded (here its real 2019 record for IT user support), one demo form is
    confirmed against it, awarded, and shows in the reconciliation report."""
    import datetime
    from decimal import Decimal

    from django.conf import settings

    from spaser.accounts.models import Organisation
    from spaser.referentiel.models import Family
    from spaser.strategies import selectors
    from spaser.strategies.demo import AWARDED_SUBJECT
    from tests.contracts.factories import ContractFactory

    demo_data_create()
    apps.get_app_config("referentiel").bootstrap(stdout=io.StringIO(), demo=True)
    region = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    contract = ContractFactory(
        buyer=region,
        external_id="2019ANTA336800",
        object="Prestations d'assistance informatique pour les utilisateurs de la Région Centre-Val de Loire",
        cpv="72253000",
        family=Family.objects.get(code="INFORMATIQUE"),
        notified_on=datetime.date(2019, 1, 7),
        initial_amount=Decimal(1280000),
        current_amount=Decimal(1280000),
        format_version="2019",
    )
    ContractFactory(buyer=region, object="Gestion et exploitation de la halte routière de Tours")
    config = apps.get_app_config("strategies")
    config.bootstrap(stdout=io.StringIO(), demo=True)
    project = PurchaseProject.objects.get(subject=AWARDED_SUBJECT)
    assert project.state == ProjectState.AWARDED
    assert list(project.contract_links.values_list("contract", flat=True)) == [contract.pk]
    assert PurchaseProject.objects.count() == 6
    report = selectors.reconciliation(region)
    assert [line.contract for line in report.not_comparable] == [contract]
    config.bootstrap(stdout=io.StringIO(), demo=True)
    assert PurchaseProject.objects.count() == 6


def test_demo_forms_follow_the_four_eyes_rule_and_leave_the_acheteur_something_to_validate():
    """With the rule on (the default), no demo form was validated by whoever wrote or submitted it, and the demo
    acheteur may validate the forms waiting for him once reworked: the demo journey uses distinct accounts."""
    from spaser.accounts.demo import demo_email
    from spaser.accounts.models import User
    from spaser.strategies import selectors
    from spaser.strategies.enums import Transition

    demo_data_create()
    apps.get_app_config("referentiel").bootstrap(stdout=io.StringIO(), demo=True)
    apps.get_app_config("strategies").bootstrap(stdout=io.StringIO(), demo=True)
    buyer = User.objects.get(email=demo_email("acheteur"))
    for project in PurchaseProject.objects.all():
        logs = list(project.transition_logs.all())
        authors = {project.created_by_id} | {log.user_id for log in logs if log.transition == Transition.SUBMIT}
        validators = {log.user_id for log in logs if log.transition == Transition.VALIDATE}
        assert not (authors & validators), project.subject
        if project.state in (ProjectState.SUBMITTED, ProjectState.CHANGES_REQUESTED):
            assert selectors.review_refusal(project, buyer, Transition.VALIDATE) == "", project.subject
