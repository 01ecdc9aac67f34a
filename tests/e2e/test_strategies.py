"""Journey of a purchase form: programme entry → form with live checklist → changes requested → validated → PDF."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings

from spaser.accounts.enums import Role
from spaser.accounts.models import Direction, Organisation
from spaser.strategies.models import ProgrammeEntry, PurchaseProject
from tests.e2e.conftest import assert_accessible, login


@pytest.fixture
def programme_entry(demo_users):
    from spaser.referentiel.services import referentiel_defaults_ensure

    referentiel_defaults_ensure(organisation=None)
    organisation = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)
    return ProgrammeEntry.objects.create(
        organisation=organisation,
        year=2026,
        subject="Nettoyage des locaux du lycée Voltaire",
        direction=Direction.objects.get(organisation=organisation, code="DLP"),
        cpv_code="90911200",
        estimated_amount=Decimal(100000),
        nature="services",
        planned_launch_date=datetime.date(2026, 9, 15),
        form_required=True,
    )


def logout(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/compte/connexion/**")


def transition(page, name, comment=""):
    form = page.locator(f"form[action$='/etape/{name}/']")
    if comment:
        form.get_by_label("Commentaire").fill(comment)
    form.get_by_role("button").click()
    page.wait_for_load_state()


def checklist_text(page):
    return page.locator("#checklist").inner_text()


def test_prescriber_fills_the_form_and_buyer_validates(page, demo_users, programme_entry):
    password = settings.SPASER_DEMO_PASSWORD
    login(page, demo_users[Role.PRESCRIBER], password)
    page.wait_for_url("**/")
    page.goto("/achats/programmation/")
    assert_accessible(page)
    page.get_by_role("button", name="Créer le projet « Nettoyage des locaux du lycée Voltaire »").click()
    page.wait_for_url("**/modifier/")
    project = PurchaseProject.objects.get(programme_entry=programme_entry)
    assert "règles bloquantes" in checklist_text(page)
    assert_accessible(page)

    # Fill the form; every change re-runs the compliance engine (htmx) without saving.
    page.get_by_label("Durée (mois)").fill("24")
    page.get_by_label("Motif de la décision d'allotissement").fill("Un seul site, prestation indivisible.")
    page.get_by_label("Clause d'insertion").check()
    page.get_by_label("Heures d'insertion").fill("150")
    rows = page.locator("#criteres fieldset.formset-row")
    rows.nth(0).get_by_label("Critère").fill("Prix")
    rows.nth(0).get_by_label("Type").select_option("price")
    rows.nth(0).get_by_label("Pondération (%)").fill("85")
    rows.nth(1).get_by_label("Critère").fill("Performance environnementale")
    rows.nth(1).get_by_label("Type").select_option("environmental")
    rows.nth(1).get_by_label("Pondération (%)").fill("9,99")
    page.get_by_label("Durée (mois)").click()  # leaving the field fires "change"
    page.locator("#checklist [data-code='CRITERE-ENV-SPASER'][data-status='failed']").wait_for()
    rows.nth(1).get_by_label("Pondération (%)").fill("15 %")
    clause = page.locator("#clauses fieldset.formset-row").nth(0)
    clause.get_by_label("Intitulé").fill("Produits écolabellisés et réduction des déchets")
    clause.get_by_label("Dimension").select_option("environmental")
    page.locator("#checklist [data-code='CRITERE-ENV-SPASER'][data-status='passed']").wait_for()
    page.locator("#checklist", has_text="Aucune règle bloquante").wait_for()
    # Screen readers hear one sentence (a persistent live region), not the whole list.
    assert "aucune règle bloquante" in page.locator("#checklist-summary").inner_text()
    assert PurchaseProject.objects.get(pk=project.pk).version == 1  # nothing saved by the live checklist
    page.get_by_role("button", name="Enregistrer la fiche").click()
    assert "La fiche a été enregistrée" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Retour à la fiche").click()
    assert_accessible(page)
    transition(page, "submit")
    assert "Soumise à validation" in page.locator("main").inner_text()
    logout(page)

    # The acheteur asks for changes with a comment.
    login(page, demo_users[Role.BUYER], password)
    page.goto(f"/achats/{project.pk}/")
    assert_accessible(page)
    transition(page, "request_changes", "Précisez le sourçage réalisé.")
    assert "À reprendre" in page.locator("main").inner_text()
    logout(page)

    # The prescripteur fixes the form and submits again.
    login(page, demo_users[Role.PRESCRIBER], password)
    page.goto("/")
    page.get_by_role("link", name="Fiches à reprendre").click()
    page.get_by_role("link", name="Nettoyage des locaux du lycée Voltaire").click()
    assert "Précisez le sourçage réalisé." in page.locator("main").inner_text()
    page.get_by_role("link", name="Compléter la fiche").click()
    page.get_by_label("Sourçage réalisé").check()
    page.get_by_label("Sourçage : avec qui").fill("Trois entreprises d'insertion du Loiret")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.get_by_role("link", name="Retour à la fiche").click()
    transition(page, "submit")
    logout(page)

    # The acheteur validates and downloads the PDF.
    login(page, demo_users[Role.BUYER], password)
    page.goto(f"/achats/{project.pk}/")
    transition(page, "validate", "Bon pour lancement.")
    main = page.locator("main").inner_text()
    assert "Validée" in main and "Fiche figée à la validation" in main
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
    project.refresh_from_db()
    assert project.snapshot["fields"]["sourcing_with"] == "Trois entreprises d'insertion du Loiret"
    assert [log.transition for log in project.transition_logs.all()] == [
        "submit",
        "request_changes",
        "submit",
        "validate",
    ]
    assert not page.console_errors, page.console_errors


def test_the_buyer_does_not_validate_a_form_he_wrote(page, demo_users, programme_entry):
    """The organisation's rule, on by default: the acheteur who wrote and submitted a form sees "Valider"
    disabled with the reason; the page stays accessible."""
    from django.contrib.auth import get_user_model

    from spaser.strategies import services
    from tests.strategies.factories import add_compliant_rows

    buyer = get_user_model().objects.get(email=demo_users[Role.BUYER])
    project = services.project_create_from_entry(entry=programme_entry, by=buyer)
    PurchaseProject.objects.filter(pk=project.pk).update(
        insertion_clause=True, insertion_hours=Decimal(100), allotment_reason="Indivisible", duration_months=24
    )
    add_compliant_rows(project)
    services.project_submit(project=project, by=buyer)

    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/achats/{project.pk}/")
    button = page.get_by_role("button", name="Valider")
    assert button.is_disabled()
    assert "une autre personne doit la valider" in page.locator("#refus-validate").inner_text()
    assert page.locator("form[action$='/etape/validate/']").count() == 0
    assert_accessible(page)
