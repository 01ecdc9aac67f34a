"""Pages of the purchase projects: form saving, bad input, stale forms, live checklist, lists and outputs."""

import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from spaser.accounts.enums import Role
from spaser.strategies.enums import ProjectState
from spaser.strategies.models import PurchaseProject
from tests.referentiel.factories import CriterionFactory, FamilyFactory
from tests.strategies.factories import PurchaseProjectFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(project, **changes):
    """The edit form as the browser posts it, for a compliant project (formsets included)."""
    data = {
        "version": project.version,
        "subject": project.subject,
        "direction": project.direction_id or "",
        "nature": project.nature,
        "estimated_amount": "100 000 €",
        "duration_months": "24",
        "allotment_reason": "Prestation indivisible",
        "planned_launch_date": "2026-09-01",
        "insertion_clause": "on",
        "insertion_hours": "120",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-label": "Prix",
        "criteria-0-kind": "price",
        "criteria-0-weight": "50",
        "criteria-1-label": "Valeur technique",
        "criteria-1-kind": "technical",
        "criteria-1-weight": "35",
        "criteria-2-label": "Performance environnementale",
        "criteria-2-kind": "environmental",
        "criteria-2-weight": "15 %",
        "clauses-TOTAL_FORMS": "1",
        "clauses-INITIAL_FORMS": "0",
        "clauses-0-label": "Déchets",
        "clauses-0-dimension": "environmental",
        "clauses-0-kind": "execution_condition",
        "lots-TOTAL_FORMS": "1",
        "lots-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def buyer_client(client, people):
    client.force_login(people[Role.BUYER])
    return client


def test_edit_form_saves_everything_with_french_numbers(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation)
    response = buyer_client.post(
        reverse("strategies:project_edit", args=[project.pk]),
        form_data(project, **{"criteria-2-weight": "12,5 %", "criteria-1-weight": "37,5"}),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.estimated_amount == Decimal(100000)
    assert [c.weight for c in project.award_criteria.all()] == [Decimal(50), Decimal("37.5"), Decimal("12.5")]
    assert project.version == 2
    assert project.blocking_count == 0


def test_insertion_hours_computed_from_editable_factors(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation)
    data = form_data(
        project,
        estimated_amount="1 000 000",
        insertion_hours="",
        insertion_labour_share="50 %",
        insertion_rate="5",
        insertion_hourly_cost="30 €",
    )
    assert buyer_client.post(reverse("strategies:project_edit", args=[project.pk]), data).status_code == 302
    project.refresh_from_db()
    assert project.insertion_hours == Decimal(833)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("estimated_amount", "-5 €", "strictement positive"),
        ("estimated_amount", "0", "strictement positive"),
        ("estimated_amount", "beaucoup", "n'est pas un nombre"),
        ("criteria-0-weight", "12,5,3 %", "plusieurs virgules"),
        ("cpv_text", "99999999", "Code CPV inconnu"),
        ("planned_launch_date", "2026-02-31", "date"),
        ("planned_notification_date", "2026-08-01", "ne peut précéder le lancement"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_saved(buyer_client, organisation, field, value, message):
    project = PurchaseProjectFactory(organisation=organisation, subject="Avant")
    response = buyer_client.post(
        reverse("strategies:project_edit", args=[project.pk]), form_data(project, subject="Après", **{field: value})
    )
    assert response.status_code == 200
    assert message in text(response)
    project.refresh_from_db()
    assert project.subject == "Avant"
    assert project.version == 1
    assert not project.award_criteria.exists()


def test_stale_form_is_refused_on_the_page(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation, subject="Avant")
    PurchaseProject.objects.filter(pk=project.pk).update(version=2, subject="Changé par un collègue")
    response = buyer_client.post(
        reverse("strategies:project_edit", args=[project.pk]), form_data(project, subject="Moi")
    )
    assert response.status_code == 200
    assert "modifiée par quelqu'un d'autre" in text(response)
    project.refresh_from_db()
    assert project.subject == "Changé par un collègue"


def test_live_checklist_reflects_unsaved_input(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation)
    url = reverse("strategies:project_checklist", args=[project.pk])
    ok = buyer_client.post(url, form_data(project), HTTP_HX_REQUEST="true").content.decode()
    assert "Aucune règle bloquante" in ok
    ko = buyer_client.post(url, form_data(project, **{"criteria-2-weight": "9,99"}), HTTP_HX_REQUEST="true")
    text = ko.content.decode()
    assert 'data-code="PONDERATIONS-100"\n        data-status="failed"' in text
    assert 'data-code="CRITERE-ENV-SPASER"\n        data-status="failed"' in text
    project.refresh_from_db()
    assert project.version == 1 and not project.award_criteria.exists()


def test_referentiel_item_added_in_one_click(buyer_client, organisation):
    family = FamilyFactory()
    project = PurchaseProjectFactory(organisation=organisation, family=family)
    criterion = CriterionFactory(
        families=[family], kind="award_criterion", dimension="environmental", weighting_min=10, weighting_max=15
    )
    page = buyer_client.get(reverse("strategies:project_edit", args=[project.pk])).content.decode()
    assert criterion.title in page
    url = reverse("strategies:project_add_item", args=[project.pk, criterion.pk])
    assert buyer_client.post(url, {"version": 1}).status_code == 302
    added = project.award_criteria.get()
    assert (added.label, added.kind, added.weight, added.source) == (criterion.title, "environmental", 10, criterion)
    # The same click on an old page (stale version) adds nothing.
    buyer_client.post(url, {"version": 1})
    assert project.award_criteria.count() == 1


def test_submit_from_detail_page_with_blocking_rules_shows_them(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation)
    url = reverse("strategies:project_transition", args=[project.pk, "submit"])
    response = buyer_client.post(url, {"submit-version": 1}, follow=True)
    assert "règles bloquantes" in response.content.decode()
    project.refresh_from_db()
    assert project.state == ProjectState.DRAFT


def test_reader_cannot_edit_but_reads(client, people, organisation):
    project = PurchaseProjectFactory(organisation=organisation)
    client.force_login(people[Role.READER])
    assert client.get(reverse("strategies:project_detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("strategies:project_edit", args=[project.pk])).status_code == 403


def test_list_filters_by_state_direction_and_compliance(buyer_client, organisation, direction):
    draft = PurchaseProjectFactory(organisation=organisation, subject="Brouillon Aurore", direction=direction)
    PurchaseProjectFactory(organisation=organisation, subject="Projet soumis Zéphyr", submitted=True)
    PurchaseProjectFactory(subject="Projet étranger Orion")
    url = reverse("strategies:project_list")
    page = buyer_client.get(url).content.decode()
    assert "Brouillon Aurore" in page and "Projet soumis Zéphyr" in page and "Projet étranger Orion" not in page
    page = buyer_client.get(url, {"state": "submitted"}).content.decode()
    assert "Projet soumis Zéphyr" in page and "Brouillon Aurore" not in page
    page = buyer_client.get(url, {"direction": direction.pk}).content.decode()
    assert "Brouillon Aurore" in page and "Projet soumis Zéphyr" not in page
    PurchaseProject.objects.filter(pk=draft.pk).update(blocking_count=3)
    page = buyer_client.get(url, {"compliance": "ko"}).content.decode()
    assert "Brouillon Aurore" in page and "Projet soumis Zéphyr" not in page


def test_project_list_query_count_does_not_grow(buyer_client, organisation, direction, django_assert_max_num_queries):
    for _ in range(30):
        PurchaseProjectFactory(organisation=organisation, direction=direction, family=FamilyFactory())
    with django_assert_max_num_queries(12):
        assert buyer_client.get(reverse("strategies:project_list")).status_code == 200


def test_export_xlsx_lists_the_filtered_projects(buyer_client, organisation):
    PurchaseProjectFactory(organisation=organisation, subject="Nettoyage", submitted=True)
    PurchaseProjectFactory(organisation=organisation, subject="Brouillon")
    response = buyer_client.get(reverse("strategies:project_export"), {"state": "submitted"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Objet"
    assert [row[1] for row in rows[1:]] == ["Nettoyage"]
    assert rows[1][2] == "Soumise à validation"


def test_pdf_downloads(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation, subject="Fiche PDF")
    response = buyer_client.get(reverse("strategies:project_pdf", args=[project.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_print_page_reads_the_frozen_snapshot(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True, subject="Objet validé")
    from spaser.strategies import services

    services.project_submit(project=project, by=None)
    services.project_validate(project=project, by=None)
    PurchaseProject.objects.filter(pk=project.pk).update(subject="Objet modifié après coup")
    page = " ".join(text(buyer_client.get(reverse("strategies:project_print", args=[project.pk]))).split())
    assert "Fiche figée à la validation" in page
    assert "<strong>PONDERATIONS-100</strong> (Respecté, bloquant)" in page
    assert "Coût horaire chargé (€)" in page
    assert '<dt class="col-sm-4">Objet de l\'achat</dt> <dd class="col-sm-8"> Objet validé </dd>' in page


def test_home_shows_what_waits_for_each_role(client, people, organisation, direction):
    PurchaseProjectFactory(organisation=organisation, submitted=True)
    PurchaseProjectFactory(organisation=organisation, in_review=True)
    PurchaseProjectFactory(organisation=organisation, direction=direction, changes_requested=True)
    expectations = {
        Role.BUYER: "Fiches à valider",
        Role.ENVIRONMENT: "Avis environnement à rendre",
        Role.PRESCRIBER: "Fiches à reprendre",
    }
    for role, label in expectations.items():
        client.force_login(people[role])
        page = client.get(reverse("core:home")).content.decode()
        assert label in page, role
    client.force_login(people[Role.READER])
    page = client.get(reverse("core:home")).content.decode()
    assert not any(label in page for label in expectations.values())


def test_saving_the_page_unchanged_keeps_existing_rows_and_deletes_only_ticked_ones(buyer_client, organisation):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True)
    url = reverse("strategies:project_edit", args=[project.pk])
    page = buyer_client.get(url)
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    for formset in (page.context["criteria_formset"], page.context["clauses_formset"], page.context["lots_formset"]):
        management = formset.management_form
        data.update({f"{formset.prefix}-{key}": value for key, value in management.initial.items()})
        for index, initial in enumerate(formset.initial or []):
            data.update(
                {f"{formset.prefix}-{index}-{key}": value for key, value in initial.items() if value is not None}
            )
    data.update({"direction": "", "family": "", "insertion_clause": "on", "is_allotted": ""})
    data = {key: value for key, value in data.items() if value is not False and value != ""}
    response = buyer_client.post(url, data)
    assert response.status_code == 302, [
        (label, f.errors, f.non_form_errors()) for label, f in response.context["formset_errors"]
    ]
    assert project.award_criteria.count() == 3 and project.clauses.count() == 1
    data["version"] = 2
    data["criteria-0-DELETE"] = "on"
    assert buyer_client.post(url, data).status_code == 302
    assert list(project.award_criteria.values_list("label", flat=True)) == ["Technique", "Environnement"]


def test_attachment_upload_and_download(buyer_client, organisation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = PurchaseProjectFactory(organisation=organisation)
    url = reverse("strategies:attachment_add", args=[project.pk])
    buyer_client.post(
        url, {"label": "Compte rendu de sourçage", "file": SimpleUploadedFile("cr.pdf", b"%PDF-1.4 test")}
    )
    attachment = project.attachments.get()
    response = buyer_client.get(reverse("strategies:attachment_download", args=[project.pk, attachment.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    refused = buyer_client.post(
        url, {"label": "Programme", "file": SimpleUploadedFile("virus.exe", b"MZ")}, follow=True
    )
    assert "Type de fichier non accepté" in text(refused)
    assert project.attachments.count() == 1


def test_settings_change_the_environmental_range_used_by_the_checklist(client, people, organisation):
    project = PurchaseProjectFactory(organisation=organisation, compliant=True)  # environmental criterion at 15 %
    client.force_login(people[Role.ADMIN])
    response = client.post(
        reverse("strategies:settings"),
        {"env_weight_min": "16", "env_weight_max": "20 %", "opinion_amount_threshold": ""},
    )
    assert response.status_code == 302
    from spaser.strategies import selectors

    assert selectors.project_report(project).get("CRITERE-ENV-SPASER").blocks
    refused = client.post(reverse("strategies:settings"), {"env_weight_min": "20", "env_weight_max": "10"})
    assert "Le maximum doit être au moins égal au minimum." in text(refused)


def test_prescriber_files_projects_only_for_own_direction(client, people, organisation, direction, other_direction):
    client.force_login(people[Role.PRESCRIBER])
    url = reverse("strategies:project_create")
    data = {
        "subject": "Achat",
        "nature": "services",
        "estimated_amount": "50 000",
        "planned_launch_date": "2026-10-01",
    }
    refused = client.post(url, {**data, "direction": other_direction.pk})
    assert refused.status_code == 200 and not PurchaseProject.objects.exists()
    assert client.post(url, {**data, "direction": direction.pk, "cpv_text": "90911200-8"}).status_code == 302
    project = PurchaseProject.objects.get()
    assert (project.direction, project.cpv_codes, project.created_by) == (
        direction,
        ["90911200"],
        people[Role.PRESCRIBER],
    )


def test_detail_page_query_count_does_not_grow_with_rows(buyer_client, organisation, django_assert_max_num_queries):
    from spaser.strategies.models import AwardCriterion, Clause, ProjectTransitionLog

    project = PurchaseProjectFactory(organisation=organisation, compliant=True)
    source = CriterionFactory()
    for index in range(15):
        AwardCriterion.objects.create(project=project, label=f"C{index}", kind="other", weight=0, source=source)
        Clause.objects.create(project=project, label=f"K{index}", dimension="social", source=source)
        ProjectTransitionLog.objects.create(
            project=project, transition="submit", from_state="draft", to_state="submitted", user=project.created_by
        )
    with django_assert_max_num_queries(20):
        assert buyer_client.get(reverse("strategies:project_detail", args=[project.pk])).status_code == 200


def test_changes_requested_comment_shown_on_top_of_the_form(client, people, organisation, direction):
    from spaser.strategies import services

    project = PurchaseProjectFactory(organisation=organisation, direction=direction, compliant=True)
    services.project_submit(project=project, by=people[Role.PRESCRIBER])
    services.project_request_changes(project=project, by=people[Role.BUYER], comment="Ajoutez le sourçage")
    client.force_login(people[Role.PRESCRIBER])
    page = text(client.get(reverse("strategies:project_edit", args=[project.pk])))
    assert "Modifications demandées par" in page and "« Ajoutez le sourçage »" in page
