import pytest
from django.core import mail
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.accounts.models import Direction, Membership, Organisation, User
from tests.accounts.factories import PASSWORD, DirectionFactory, MembershipFactory, OrganisationFactory, UserFactory


def _login(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_login_by_email_is_case_insensitive(client):
    user = UserFactory(email="claire.martin@example.fr")
    MembershipFactory(user=user)
    response = _login(client, "Claire.Martin@Example.fr")
    assert response.status_code == 302
    assert response.url == reverse("core:home")


def test_wrong_credentials_give_a_french_message_and_no_session(client):
    UserFactory(email="claire.martin@example.fr")
    response = _login(client, "claire.martin@example.fr", "mauvais")
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_locked_after_repeated_failures(client, settings):
    user = UserFactory(email="cible@example.fr")
    MembershipFactory(user=user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "cible@example.fr", "mauvais")
    # Even the right password is refused while the lockout lasts.
    response = _login(client, "cible@example.fr")
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client):
    user = MembershipFactory().user
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_french_email_with_a_working_link(client):
    UserFactory(email="oubli@example.fr")
    client.post(reverse("accounts:password_reset"), {"email": "oubli@example.fr"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Réinitialisation de votre mot de passe" in message.subject
    link = next(line for line in message.body.splitlines() if "/compte/reinitialisation/" in line)
    response = client.get(link.replace("http://testserver", ""), follow=True)
    assert response.status_code == 200
    assert "Choisir un nouveau mot de passe" in response.content.decode()


def test_password_change(client):
    user = MembershipFactory().user
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Un-nouveau-mot-de-passe-42",
            "new_password2": "Un-nouveau-mot-de-passe-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Un-nouveau-mot-de-passe-42")


@pytest.fixture
def admin_client(client, organisation, member_of):
    client.force_login(member_of(Role.ADMIN))
    return client


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("1234", "exactement 14 chiffres"),
        ("2345000230002X", "que des chiffres"),
        ("23450002300029", "clé de contrôle"),
    ],
)
def test_invalid_siret_is_refused_on_the_field_and_nothing_saved(admin_client, organisation, siret, message):
    before = Organisation.objects.get(pk=organisation.pk)
    response = admin_client.post(
        reverse("accounts:organisation_edit"),
        {"name": "Nouveau nom", "siret": siret, "kind": "region", "region_code": "24", "departement_code": "45"},
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["siret"])
    assert "Le formulaire contient des erreurs" in response.content.decode()
    organisation.refresh_from_db()
    assert (organisation.name, organisation.siret) == (before.name, before.siret)


def test_siret_with_spaces_is_saved_normalised(admin_client, organisation):
    response = admin_client.post(
        reverse("accounts:organisation_edit"),
        {
            "name": "Région",
            "siret": "234 500 023 00028",
            "kind": "region",
            "region_code": "24",
            "departement_code": "45",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.siret == "23450002300028"


def test_duplicate_siret_is_refused(admin_client, organisation):
    other = OrganisationFactory()
    response = admin_client.post(
        reverse("accounts:organisation_edit"),
        {"name": "Copie", "siret": other.siret, "kind": "region", "region_code": "24", "departement_code": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["siret"]


def test_member_creation_sends_a_password_link(admin_client, organisation, django_capture_on_commit_callbacks):
    direction = DirectionFactory(organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("accounts:member_create"),
            {
                "email": "Nouveau.Pilote@Example.fr",
                "first_name": "Nina",
                "last_name": "Pilote",
                "role": Role.PILOT,
                "direction": direction.pk,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="nouveau.pilote@example.fr")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).direction == direction
    assert len(mail.outbox) == 1
    assert "/compte/reinitialisation/" in mail.outbox[0].body


def test_duplicate_email_is_refused_on_the_field(admin_client, organisation):
    UserFactory(email="deja@example.fr")
    response = admin_client.post(
        reverse("accounts:member_create"),
        {"email": "DEJA@example.fr", "first_name": "A", "last_name": "B", "role": Role.READER},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Un compte utilise déjà cette adresse électronique."]
    assert User.objects.filter(email__iexact="deja@example.fr").count() == 1


def test_another_organisations_direction_cannot_be_chosen(admin_client, organisation):
    foreign = DirectionFactory(organisation=OrganisationFactory())
    response = admin_client.post(
        reverse("accounts:member_create"),
        {"email": "x@example.fr", "first_name": "A", "last_name": "B", "role": Role.READER, "direction": foreign.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["direction"]
    assert not User.objects.filter(email="x@example.fr").exists()


def test_direction_code_is_unique_per_organisation(admin_client, organisation):
    DirectionFactory(organisation=organisation, code="DASJ")
    response = admin_client.post(reverse("accounts:direction_create"), {"code": "dasj", "name": "Doublon"})
    assert response.status_code == 200
    assert Direction.objects.filter(organisation=organisation).count() == 1


def test_last_administrator_cannot_be_removed(admin_client, organisation):
    membership = Membership.objects.get(organisation=organisation, role=Role.ADMIN)
    response = admin_client.post(reverse("accounts:membership_delete", args=[membership.pk]), follow=True)
    assert "dernier administrateur" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_organisation_switch_changes_the_current_organisation(client):
    user = UserFactory()
    first = MembershipFactory(user=user, role=Role.READER, organisation=OrganisationFactory(name="A")).organisation
    second = MembershipFactory(user=user, role=Role.ADMIN, organisation=OrganisationFactory(name="B")).organisation
    client.force_login(user)
    assert client.get(reverse("core:home")).wsgi_request.organisation == first
    client.post(reverse("accounts:organisation_switch"), {"organisation": second.pk})
    response = client.get(reverse("accounts:organisation"))
    assert response.status_code == 200
    assert response.context["organisation"] == second


def test_switching_to_a_foreign_organisation_is_refused(client):
    user = MembershipFactory().user
    foreign = OrganisationFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:organisation_switch"), {"organisation": foreign.pk}, follow=True)
    assert "pas membre" in response.content.decode()
    assert response.wsgi_request.organisation != foreign


def test_organisation_page_query_count_does_not_grow_with_members(
    admin_client, organisation, django_assert_max_num_queries
):
    for _ in range(15):
        MembershipFactory(organisation=organisation, direction=DirectionFactory(organisation=organisation))
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("accounts:organisation"))
    assert response.status_code == 200
    assert len(response.context["members"]) == 16


def test_home_lists_what_the_role_can_do(client, member_of):
    client.force_login(member_of(Role.READER))
    content = client.get(reverse("core:home")).content.decode()
    assert "Lecteur" in content
    assert "Rien ne vous attend pour le moment." in content
    assert reverse("accounts:organisation") not in content


def test_lockout_of_one_account_does_not_block_another_account_from_the_same_address(client, settings):
    for email in ("cible@example.fr", "collegue@example.fr"):
        MembershipFactory(user=UserFactory(email=email))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "cible@example.fr", "mauvais")
    assert _login(client, "collegue@example.fr").status_code == 302
