"""First journey: each demo role logs in and sees its own home page; login errors and lockout as users see them."""

import pytest
from django.conf import settings

from spaser.accounts.enums import Role
from tests.e2e.conftest import assert_accessible, login


def test_login_page_is_accessible(page):
    page.goto("/compte/connexion/")
    assert page.title().startswith("Connexion")
    assert_accessible(page)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_demo_role_logs_in_and_sees_its_home(page, demo_users, role):
    login(page, demo_users[role], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
    main = page.locator("main")
    assert role.label in main.inner_text()
    assert main.get_by_role("heading", name="Ce qui vous attend").is_visible()
    assert main.get_by_role("heading", name="Ce que vous pouvez faire").is_visible()
    # Only administrators reach the organisation management page.
    organisation_link = page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Organisation"
    )
    assert organisation_link.count() == (1 if role == Role.ADMIN else 0)
    assert_accessible(page)
    assert not page.console_errors, page.console_errors


def test_wrong_password_shows_french_error_and_keeps_focus_on_summary(page, demo_users):
    login(page, demo_users[Role.BUYER], "mauvais-mot-de-passe")
    summary = page.locator("#error-summary")
    assert "Adresse électronique ou mot de passe incorrect" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert_accessible(page)


def test_admin_creates_a_member_and_sees_the_duplicate_email_error(page, demo_users):
    login(page, demo_users[Role.ADMIN], settings.SPASER_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Organisation").click()
    assert_accessible(page)
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse électronique").fill(demo_users[Role.READER])
    page.get_by_label("Prénom").fill("Gaëlle")
    page.locator("#id_last_name").fill("Doublon")
    page.get_by_label("Rôle").select_option(Role.PILOT.value)
    page.get_by_role("button", name="Enregistrer").click()
    assert "Un compte utilise déjà cette adresse électronique." in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Adresse électronique").fill("nouvelle.pilote@example.fr")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Le compte a été créé" in page.locator(".messages").inner_text()
    assert "nouvelle.pilote@example.fr" in page.locator("main").inner_text()
