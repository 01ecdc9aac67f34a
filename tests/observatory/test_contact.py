import html

import pytest
from django.core import mail
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.observatory import services
from spaser.observatory.models import ContactRequest, ContactStatus
from tests.accounts.factories import MembershipFactory

URL = reverse("observatory:contact")


def _post_data(**overrides):
    data = {
        "company": "Menuiserie Durand",
        "siret": "",
        "contact_name": "Camille Durand",
        "email": "camille@example.fr",
        "topic": "plan",
        "subject": "Lot menuiserie du lycée",
        "message": "Bonjour, comment répondre ?",
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def cell(home):
    buyer = MembershipFactory(organisation=home, role=Role.BUYER).user
    admin = MembershipFactory(organisation=home, role=Role.ADMIN).user
    reader = MembershipFactory(organisation=home, role=Role.READER).user
    return {"buyer": buyer, "admin": admin, "reader": reader}


def test_valid_post_is_stored_acknowledged_and_routed_to_the_cell(
    client, home, cell, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _post_data(siret="234 500 023 00028"))
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert contact.organisation == home
    assert contact.siret == "23450002300028"
    assert contact.status == ContactStatus.NEW
    assert [m.to for m in mail.outbox] == [["camille@example.fr"], sorted([cell["admin"].email, cell["buyer"].email])]
    assert "Lot menuiserie du lycée" in mail.outbox[1].subject
    assert cell["reader"].email not in mail.outbox[1].to


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "pas-une-adresse", "adresse e-mail valide"),
        ("siret", "12345678901234", "clé de contrôle"),
        ("siret", "ABC", "chiffres"),
        ("message", "x" * 5001, "5000"),
        ("consent", "", "obligatoire"),
        ("company", "", "obligatoire"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_stored(client, home, field, value, message):
    response = client.post(URL, _post_data(**{field: value}))
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not ContactRequest.objects.exists()
    assert not mail.outbox


def test_honeypot_answers_like_success_but_stores_nothing(client, home):
    response = client.post(URL, _post_data(site_web="http://spam.example"))
    assert response.status_code == 302
    assert not ContactRequest.objects.exists()
    assert not mail.outbox


def test_a_flood_from_one_address_gets_429_and_other_addresses_still_pass(client, home):
    for _ in range(services.CONTACT_RATE_LIMIT):
        assert client.post(URL, _post_data()).status_code == 302
    response = client.post(URL, _post_data())
    assert response.status_code == 429
    assert response["Retry-After"]
    assert ContactRequest.objects.count() == services.CONTACT_RATE_LIMIT
    assert client.post(URL, _post_data(), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_refused_posts_do_not_use_up_the_quota_of_accepted_ones(client, home):
    for _ in range(services.CONTACT_RATE_LIMIT):
        assert client.post(URL, _post_data(email="pas-une-adresse")).status_code == 400
    assert client.post(URL, _post_data(site_web="http://spam.example")).status_code == 302  # honeypot
    for _ in range(services.CONTACT_RATE_LIMIT):
        assert client.post(URL, _post_data()).status_code == 302
    assert ContactRequest.objects.count() == services.CONTACT_RATE_LIMIT
    assert client.post(URL, _post_data()).status_code == 429


def test_a_flood_of_refused_posts_is_stopped_by_its_own_higher_limit(client, home):
    for _ in range(services.CONTACT_REJECTED_LIMIT):
        assert client.post(URL, _post_data(email="pas-une-adresse")).status_code == 400
    assert client.post(URL, _post_data()).status_code == 429
    assert not ContactRequest.objects.exists()
    assert client.post(URL, _post_data(), REMOTE_ADDR="10.0.0.9").status_code == 302


# --- Behind the documented HTTPS proxy (tests/conftest.py: behind_proxy) ----------------------------------------

VISITOR = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"


def test_visitors_behind_the_proxy_each_have_their_quota(behind_proxy, home):
    for _ in range(services.CONTACT_RATE_LIMIT):
        assert behind_proxy(VISITOR).post(URL, _post_data()).status_code == 302
    assert behind_proxy(VISITOR).post(URL, _post_data()).status_code == 429
    assert behind_proxy(NEIGHBOUR).post(URL, _post_data()).status_code == 302


def test_a_forged_forwarded_for_neither_escapes_the_limit_nor_uses_up_the_quota_it_names(behind_proxy, home):
    for index in range(services.CONTACT_RATE_LIMIT):
        forged = NEIGHBOUR if index % 2 else f"198.51.100.{index}"
        assert behind_proxy(VISITOR, forwarded_for=forged).post(URL, _post_data()).status_code == 302
    assert behind_proxy(VISITOR, forwarded_for="198.51.100.99").post(URL, _post_data()).status_code == 429
    for _ in range(services.CONTACT_RATE_LIMIT):
        assert behind_proxy(NEIGHBOUR).post(URL, _post_data()).status_code == 302


def test_without_trusted_proxies_forwarded_for_is_ignored(client, home, settings):
    settings.SPASER_TRUSTED_PROXIES = 0
    for index in range(services.CONTACT_RATE_LIMIT):
        assert client.post(URL, _post_data(), HTTP_X_FORWARDED_FOR=f"198.51.100.{index}").status_code == 302
    assert client.post(URL, _post_data(), HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_the_form_page_prefills_the_subject_from_the_plan(client, home):
    response = client.get(URL, {"objet": "Nettoyage des locaux"})
    assert response.status_code == 200
    assert 'value="Nettoyage des locaux"' in response.content.decode()


def test_inbox_lists_only_the_organisation_requests_in_constant_queries(
    client, home, cell, django_assert_max_num_queries
):
    other = ContactRequest.objects.create(
        organisation=__import__("tests.accounts.factories", fromlist=["x"]).OrganisationFactory(),
        company="Ailleurs",
        contact_name="X",
        email="x@example.fr",
        subject="Autre organisation",
        message="m",
        consent=True,
    )
    for index in range(5):
        ContactRequest.objects.create(
            organisation=home,
            company=f"Entreprise {index}",
            contact_name="Y",
            email="y@example.fr",
            subject=f"Demande {index}",
            message="m",
            consent=True,
            handled_by=cell["buyer"],
            status=ContactStatus.IN_PROGRESS,
        )
    client.force_login(cell["buyer"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("observatory:inbox"))
    content = response.content.decode()
    assert "Demande 4" in content
    assert other.subject not in content
    filtered = client.get(reverse("observatory:inbox"), {"status": ContactStatus.NEW})
    assert "Demande 4" not in filtered.content.decode()


def test_the_cell_updates_the_status_and_the_handler_is_recorded(client, home, cell):
    contact = ContactRequest.objects.create(
        organisation=home, company="C", contact_name="N", email="n@example.fr", subject="S", message="M", consent=True
    )
    client.force_login(cell["buyer"])
    url = reverse("observatory:contact_detail", args=[contact.pk])
    response = client.post(url, {"status": ContactStatus.ANSWERED, "internal_note": "Rappelé le 3"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ANSWERED
    assert contact.handled_by == cell["buyer"]
    assert contact.internal_note == "Rappelé le 3"


def test_new_requests_wait_on_the_cell_members_home_page(client, home, cell):
    ContactRequest.objects.create(
        organisation=home, company="C", contact_name="N", email="n@example.fr", subject="S", message="M", consent=True
    )
    client.force_login(cell["buyer"])
    content = client.get(reverse("core:home")).content.decode()
    assert "Nouvelles demandes à la cellule TPE/PME" in content
    client.force_login(cell["reader"])
    assert "Nouvelles demandes à la cellule TPE/PME" not in client.get(reverse("core:home")).content.decode()
