import pytest
from django.db import IntegrityError, transaction

from spaser.accounts.demo import DEMO_USERS, demo_data_create, demo_email
from spaser.accounts.enums import Role
from spaser.accounts.models import Membership, Organisation, User
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory


def test_database_refuses_a_malformed_siret():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="X", siret="12AB", kind="other")


def test_database_refuses_a_second_account_with_the_same_email_in_another_case():
    UserFactory(email="a@example.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="A@example.fr")])


def test_same_role_twice_without_direction_is_refused():
    membership = MembershipFactory(role=Role.BUYER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=membership.user, organisation=membership.organisation, role=Role.BUYER)


def test_visible_to_scopes_organisations_to_memberships():
    mine = MembershipFactory().organisation
    OrganisationFactory()
    assert list(Organisation.objects.visible_to(mine.memberships.get().user)) == [mine]


def test_history_keeps_organisation_changes():
    organisation = OrganisationFactory(name="Ancien nom")
    organisation.name = "Nouveau nom"
    organisation.save()
    assert [h.name for h in organisation.history.order_by("history_date")] == ["Ancien nom", "Nouveau nom"]


def test_demo_data_is_idempotent_and_gives_one_account_per_role(settings):
    demo_data_create()
    demo_data_create()
    organisation = Organisation.objects.get(siret="23450002300028")
    assert organisation.name == "Région Centre-Val de Loire"
    assert {d.code for d in organisation.directions.all()} >= {"DASJ", "DETE", "DLP", "DTM", "DFP", "DN", "ADAPT"}
    for role, local_part, *_ in DEMO_USERS:
        user = User.objects.get(email=demo_email(local_part))
        assert user.check_password(settings.SPASER_DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, organisation=organisation, role=role).count() == 1


def test_demo_accounts_are_refused_outside_demo_mode(settings):
    settings.SPASER_DEMO_MODE = False
    with pytest.raises(RuntimeError):
        demo_data_create()
    assert not User.objects.exists()


def test_create_demo_data_command_refuses_outside_demo_mode(settings):
    from django.core.management import CommandError, call_command

    settings.SPASER_DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("create_demo_data")
    settings.SPASER_DEMO_MODE = True
    call_command("create_demo_data")
    assert User.objects.filter(email__endswith="@demo.spaser.fr").count() == len(DEMO_USERS)


def test_the_demo_administrator_is_the_platform_administrator_and_is_listed_so(settings):
    """`make run` must leave a way to edit the shared référentiels: the demo administrator's account."""
    import io

    from django.core.management import call_command

    from spaser.accounts.perms import is_platform_admin

    demo_data_create()
    admin = User.objects.get(email=demo_email("admin"))
    buyer = User.objects.get(email=demo_email("acheteur"))
    assert is_platform_admin(admin, permission="referentiel.change_criterion")
    assert not is_platform_admin(buyer, permission="referentiel.change_criterion")
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line for line in lines if "administrateur de la plateforme" in line] == [
        line for line in lines if demo_email("admin") in line
    ]
