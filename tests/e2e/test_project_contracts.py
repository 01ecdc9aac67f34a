"""Journey: a published form → the acheteur confirms the suggested DECP contract → "Attribuée" → the report."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings

from spaser.accounts.enums import Role
from spaser.accounts.models import Direction, Organisation
from spaser.geo.models import Commune, Departement, Region
from spaser.strategies import selectors, services
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import PurchaseProject
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import assert_accessible, login
from tests.e2e.test_strategies import logout
from tests.strategies.factories import PurchaseProjectFactory, add_compliant_rows


@pytest.fixture
def region(demo_users):
    return Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET)


def validated_form(region, *, with_criteria=False, **fields):
    """A validated form of the Région planned for 2025, its snapshot frozen (with the compliant criteria and
    clauses first when asked)."""
    project = PurchaseProjectFactory(
        organisation=region,
        validated=True,
        planned_launch_date=datetime.date(2025, 1, 15),
        planned_notification_date=datetime.date(2025, 4, 1),
        **fields,
    )
    if with_criteria:
        add_compliant_rows(project)
    project.snapshot = services.project_snapshot(project, report=selectors.project_report(project))
    project.save(update_fields=["snapshot"])
    return project


@pytest.fixture
def published_project(region):
    """A published form planning an insertion clause, and the Région's contract that answers it, whose
    publication says "Pas de considération sociale"."""
    project = validated_form(
        region,
        subject="Entretien des espaces verts des lycées du Loiret",
        state=ProjectState.PUBLISHED,
        insertion_clause=True,
        insertion_hours=Decimal(200),
        estimated_amount=Decimal(300000),
    )
    contract = ContractFactory(
        buyer=region,
        external_id="2025-EV-045",
        object="Entretien des espaces verts des lycées du Loiret (lot 1)",
        notified_on=datetime.date(2025, 4, 10),
        current_amount=Decimal(290000),
        considerations_published=True,
        social_none=True,
        environmental_none=True,
    )
    ContractFactory(buyer=region, object="Fourniture de carburants")
    return project, contract


def test_buyer_confirms_the_suggested_contract_then_reads_the_report(page, demo_users, published_project):
    project, contract = published_project
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/achats/{project.pk}/")
    section = page.locator("#marches")
    section.get_by_role("heading", name="Marchés publiés (DECP)").wait_for()
    assert "Fourniture de carburants" not in section.inner_text()
    assert_accessible(page)

    section.get_by_label("2025-EV-045").check()
    section.get_by_role("button", name="Confirmer le rattachement").click()
    page.wait_for_load_state()
    assert "Le projet est désormais « Attribuée »" in page.locator("body").inner_text()
    assert "Attribuée" in page.locator("h1 + p").inner_text()
    assert "2025-EV-045" in page.locator("#marches table").inner_text()
    assert "Marché publié rattaché" in page.locator(".transition-log").inner_text()
    assert_accessible(page)
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED

    page.get_by_role("link", name="Rapprochement fiches / marchés publiés").first.click()
    page.wait_for_url("**/achats/rapprochement/")
    gaps = page.locator("section[aria-labelledby='ecarts-titre']")
    assert "Entretien des espaces verts des lycées du Loiret" in gaps.inner_text()
    assert "Pas de considération sociale" in gaps.inner_text()
    assert "Corriger la publication sur le profil d'acheteur" in gaps.inner_text()
    assert_accessible(page)
    gaps.get_by_role("link", name="2025-EV-045").click()
    page.wait_for_url(f"**/contrats/{contract.pk}/")
    main = " ".join(page.locator("main").inner_text().split())
    assert "Ce marché répond au projet d'achat" in main
    assert "1 écart entre la fiche et les données publiées" in main
    assert_accessible(page)

    # A wrong link is detached with its reason, kept in the project's log.
    page.get_by_role("link", name="Entretien des espaces verts des lycées du Loiret").click()
    page.wait_for_url(f"**/achats/{project.pk}/")
    page.locator("#marches summary", has_text="Détacher").click()
    page.get_by_label("Motif du détachement de 2025-EV-045").fill("Lot d'un autre marché.")
    assert_accessible(page)
    page.get_by_role("button", name="Détacher ce marché").click()
    page.wait_for_load_state()
    body = page.locator("body").inner_text()
    assert "Le marché « 2025-EV-045 » a été détaché du projet." in body
    assert "l'attribution est annulée, le projet est de nouveau « Publiée »" in body
    assert "Publiée" in page.locator("h1 + p").inner_text()
    log = page.locator(".transition-log").inner_text()
    assert "Lot d'un autre marché." in log and "Annuler l'attribution" in log
    assert not project.contract_links.exists()
    project.refresh_from_db()
    assert project.state == ProjectState.PUBLISHED
    assert_accessible(page)

    # The home page lists the cancelled award; its link lists the project.
    page.goto("/")
    page.get_by_role("link", name="Attributions annulées : marché publié à rattacher").click()
    page.wait_for_url("**/achats/?award=cancelled")
    assert "Entretien des espaces verts des lycées du Loiret" in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_commune_is_suggested_while_typing_and_a_wrong_one_is_refused(page, demo_users, region):
    centre = Region.objects.get_or_create(code="24", defaults={"name": "Centre-Val de Loire"})[0]
    loiret = Departement.objects.get_or_create(code="45", defaults={"name": "Loiret", "region": centre})[0]
    Commune.objects.get_or_create(code="45234", defaults={"name": "Orléans", "departement": loiret})
    Commune.objects.get_or_create(code="45232", defaults={"name": "Olivet", "departement": loiret})
    project = PurchaseProjectFactory(organisation=region, subject="Nettoyage du lycée Voltaire")
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/achats/{project.pk}/modifier/")
    field = page.get_by_label("Lieu principal d'exécution")
    field.fill("Orl")
    page.locator("#communes-suggestions option[value='Orléans (45234)']").wait_for(state="attached")
    field.fill("Orléans (37)")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.wait_for_load_state()
    assert (
        "Commune inconnue : « Orléans (37) » dans le département « 37 »" in page.locator("#error-summary").inner_text()
    )
    assert_accessible(page)
    assert PurchaseProject.objects.get(pk=project.pk).execution_commune is None


def test_buyer_reopens_a_form_the_report_asks_to_correct_and_validates_it_again(page, demo_users, region):
    """The signed contract holds an insertion clause the awarded form does not plan: the report asks to take the
    form up again; the acheteur reopens it, adds the clause, validates it again, and it is "Attribuée" again."""
    from django.contrib.auth import get_user_model

    from spaser.strategies.models import ProjectContract

    # Environmental criterion and clause: only the social side disagrees.
    project = validated_form(
        region,
        with_criteria=True,
        subject="Nettoyage des locaux du siège",
        direction=Direction.objects.get(organisation=region, code="DLP"),  # the demo prescripteur's direction
        compliant=True,
        insertion_clause=False,
        insertion_hours=None,
        social_justification="Prestation très courte, sans levier d'insertion repéré au sourçage.",
        state=ProjectState.AWARDED,
        estimated_amount=Decimal(120000),
    )
    contract = ContractFactory(
        buyer=region,
        external_id="2025-NET-001",
        object="Nettoyage des locaux du siège",
        notified_on=datetime.date(2025, 4, 10),
        considerations_published=True,
        social_clause=True,
        environmental_criterion=True,
    )
    buyer = get_user_model().objects.get(email=demo_users[Role.BUYER])
    ProjectContract.objects.create(project=project, contract=contract, confirmed_by=buyer)

    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/achats/rapprochement/")
    gaps = page.locator("section[aria-labelledby='ecarts-titre']")
    assert "étape « Rouvrir pour correction »" in " ".join(gaps.inner_text().split())
    gaps.get_by_role("link", name="Ouvrir la fiche « Nettoyage des locaux du siège »").click()
    page.wait_for_url(f"**/achats/{project.pk}/**")

    reopen = page.locator("form.transition-form", has=page.get_by_role("button", name="Rouvrir pour correction"))
    reopen.get_by_label("Commentaire").fill("Le marché signé contient une clause d'insertion : décrivez-la.")
    assert_accessible(page)
    reopen.get_by_role("button").click()
    page.wait_for_load_state()
    assert "Étape « Rouvrir pour correction » enregistrée." in page.locator("body").inner_text()
    assert "À reprendre" in page.locator("h1 + p").inner_text()
    assert "Le marché signé contient une clause d'insertion" in page.locator("main").inner_text()
    assert_accessible(page)

    # Meanwhile the report lists the contract apart, not as a disagreement nor as a contract without a form.
    page.goto("/achats/rapprochement/")
    apart = page.locator("section[aria-labelledby='en-correction-titre']")
    assert "2025-NET-001" in apart.inner_text() and "à reprendre" in apart.inner_text()
    assert "2025-NET-001" not in page.locator("section[aria-labelledby='ecarts-titre']").inner_text()
    assert_accessible(page)
    apart.get_by_role("link", name="Nettoyage des locaux du siège").click()
    page.wait_for_url(f"**/achats/{project.pk}/")

    # The prescripteur corrects and submits it; the acheteur, who did not, validates it (the organisation's rule:
    # whoever submits a form does not validate it).
    logout(page)
    login(page, demo_users[Role.PRESCRIBER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/achats/{project.pk}/")
    page.get_by_role("link", name="Compléter la fiche").click()
    page.get_by_label("Clause d'insertion").check()
    page.get_by_label("Heures d'insertion").fill("120")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    assert "La fiche a été enregistrée" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Retour à la fiche").click()
    page.locator("form.transition-form").get_by_role("button", name="Soumettre à validation").click()
    page.wait_for_load_state()
    logout(page)
    login(page, demo_users[Role.BUYER], settings.SPASER_DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/achats/{project.pk}/")
    page.locator("form.transition-form").get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert "Attribuée" in page.locator("h1 + p").inner_text()
    log = page.locator(".transition-log").inner_text()
    assert "Rouvrir pour correction" in log and "l'attribution demeure" in log
    project.refresh_from_db()
    assert project.state == ProjectState.AWARDED
    assert selectors.planned_considerations(project) == (True, True)

    page.goto("/achats/rapprochement/")
    assert "Nettoyage des locaux du siège" not in page.locator("section[aria-labelledby='ecarts-titre']").inner_text()
    assert_accessible(page)
