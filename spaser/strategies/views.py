import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from spaser.accounts.enums import Role
from spaser.accounts.perms import request_has_role
from spaser.contracts.matching import consideration_disagreements
from spaser.core import exports as core_exports
from spaser.core.decorators import role_required
from spaser.core.forms import apply_validation_error
from spaser.strategies import exports, forms, perms, presenters, programme_import, selectors, services, workflow
from spaser.strategies.enums import ProjectState, Transition
from spaser.strategies.models import FROZEN_STATES, ProgrammeEntry, ProgrammeImport, PurchaseProject

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 25


def _projects(request):
    return PurchaseProject.objects.of_organisation(request.organisation)


def _project(request, pk):
    return get_object_or_404(
        _projects(request).select_related("direction", "family", "organisation", "execution_commune__departement"),
        pk=pk,
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Projects --------------------------------------------------------------------------------------------------


def _filtered_projects(request):
    form = forms.ProjectFilterForm(request.GET or None, organisation=request.organisation)
    queryset = _projects(request).select_related("direction", "family").order_by("-updated_at", "-pk")
    return form, form.filter(queryset)


@role_required()
def project_list_view(request):
    form, queryset = _filtered_projects(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "strategies/project_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": perms.can_create_project(request),
        },
    )


@role_required()
def project_export_view(request):
    _, queryset = _filtered_projects(request)
    return _xlsx(exports.projects_xlsx(queryset), f"projets-achat-{datetime.date.today():%Y%m%d}.xlsx")


@role_required(Role.BUYER, Role.PRESCRIBER)
def project_create_view(request):
    form = forms.ProjectCreateForm(
        request.POST or None,
        organisation=request.organisation,
        direction_ids=_direction_scope(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                organisation=request.organisation, by=request.user, data=form.project_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Le projet a été créé : complétez maintenant la fiche.")
            return redirect("strategies:project_edit", pk=project.pk)
    return render(request, "strategies/project_create.html", {"form": form})


def _direction_scope(request):
    """Directions a user may file projects for: every one for acheteurs, their own for prescripteurs."""
    if Role.BUYER in request.roles:
        return None
    return perms.prescriber_directions(request)


def _changes_comment(project):
    """The acheteur's latest request for changes, shown on top while the form is to be reworked."""
    if project.state != ProjectState.CHANGES_REQUESTED:
        return None
    return (
        project.transition_logs.filter(transition__in=[Transition.REQUEST_CHANGES, Transition.REOPEN])
        .select_related("user")
        .order_by("-timestamp", "-pk")
        .first()
    )


def _transition_forms(request, project):
    """The steps the user may take, each with its form, or with the reason it is refused to them (the button
    then shows disabled with that reason: the author of a form does not validate it)."""
    result = []
    strategy_settings = selectors.settings_for(request.organisation)
    for transition in workflow.allowed_from(project.state):
        if perms.can_apply(request, project, transition):
            form = forms.TransitionForm(
                initial={"version": project.version, "launch_date": timezone.localdate()}, prefix=transition
            )
            if transition != Transition.GIVE_OPINION:
                del form.fields["favourable"]
            if transition != Transition.PUBLISH:
                del form.fields["launch_date"]
            refusal = selectors.review_refusal(project, request.user, transition, strategy_settings=strategy_settings)
            result.append((Transition(transition), form, refusal))
    return result


@role_required()
def project_detail_view(request, pk):
    project = _project(request, pk)
    report = selectors.project_report(project)
    return render(
        request,
        "strategies/project_detail.html",
        {
            "project": project,
            "report": report,
            "document": presenters.document(project, report),
            "logs": project.transition_logs.select_related("user"),
            "changes_comment": _changes_comment(project),
            "transitions": _transition_forms(request, project),
            "attachments": project.attachments.select_related("uploaded_by"),
            "attachment_form": forms.AttachmentForm() if perms.can_edit_project(request, project) else None,
            "can_edit": perms.can_edit_project(request, project),
            **_contracts_context(request, project),
        },
    )


def _contracts_context(request, project) -> dict:
    """The "Marchés publiés (DECP)" section: the confirmed contracts, and for acheteurs the suggestions and
    a search among the organisation's other contracts."""
    if project.state not in FROZEN_STATES:
        return {"show_contracts": False}
    can_link = perms.can_link_contracts(request, project)
    search_form = forms.ContractSearchForm(request.GET or None)
    candidates, found = [], None
    if can_link:
        candidates = selectors.contract_suggestions(project)
        if search_form.is_valid() and search_form.cleaned_data["marche"]:
            found = selectors.contract_search(project, search_form.cleaned_data["marche"])
    links = list(selectors.project_contract_links(project))
    plans_social, plans_environmental = selectors.planned_considerations(project)
    for link in links:
        link.disagreements = consideration_disagreements(
            plans_social=plans_social, plans_environmental=plans_environmental, contract=link.contract
        )
    return {
        "show_contracts": True,
        "contract_links": links,
        "can_link_contracts": can_link,
        "candidates": candidates,
        "contract_search_form": search_form,
        "found_contracts": found,
    }


def _contracts_anchor(project):
    return redirect(reverse("strategies:project_detail", args=[project.pk]) + "#marches")


@require_POST
@role_required(Role.BUYER, Role.ADMIN)
def project_contract_confirm_view(request, pk):
    project = _project(request, pk)
    if not perms.can_link_contracts(request, project):
        raise PermissionDenied("Seul un projet validé, publié ou attribué peut être rattaché à un marché publié.")
    ids = [int(value) for value in request.POST.getlist("contracts") if value.isdigit() and len(value) < 19]
    scores = {
        candidate.contract.pk: candidate.score for candidate in selectors.contract_suggestions(project, limit=50)
    }
    state_before = project.state
    try:
        links = services.project_contract_confirm(project=project, contract_ids=ids, by=request.user, scores=scores)
    except ValidationError as error:
        messages.error(request, "Rattachement refusé : " + " ".join(error.messages))
    else:
        message = f"{len(links)} marché(s) publié(s) rattaché(s) au projet."
        if state_before != ProjectState.AWARDED:
            message += " Le projet est désormais « Attribuée »."
        messages.success(request, message)
    return _contracts_anchor(project)


@require_POST
@role_required(Role.BUYER, Role.ADMIN)
def project_contract_unlink_view(request, pk, link_pk):
    project = _project(request, pk)
    if not perms.can_link_contracts(request, project):
        raise PermissionDenied("Votre rôle ou l'état du projet ne permet pas de détacher ce marché.")
    link = get_object_or_404(project.contract_links.select_related("contract"), pk=link_pk)
    form = forms.ContractUnlinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Marché non détaché : " + " ".join(form.errors["reason"]))
        return _contracts_anchor(project)
    try:
        unawarded = services.project_contract_unlink(link=link, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, "Marché non détaché : " + " ".join(error.messages))
    else:
        message = f"Le marché « {link.contract.external_id} » a été détaché du projet."
        if unawarded:
            message += " C'était le dernier : l'attribution est annulée, le projet est de nouveau « Publiée »."
        messages.success(request, message)
    return _contracts_anchor(project)


@role_required(Role.BUYER, Role.PRESCRIBER)
def commune_suggestions_view(request):
    """Options of the commune datalist of the form (htmx): at most 15 names starting with the typed text."""
    text = request.GET.get("execution_commune") or request.GET.get("q") or ""
    return render(request, "strategies/_commune_options.html", {"communes": forms.commune_suggestions(text)})


def _edit_forms(request, project, data=None):
    form = forms.ProjectForm(
        data, instance=project, organisation=request.organisation, direction_ids=_direction_scope(request)
    )
    criteria = forms.CriterionFormSet(
        data,
        prefix="criteria",
        initial=[
            {
                "label": c.label,
                "kind": c.kind,
                "weight": c.weight,
                "includes_environment": c.includes_environment,
                "description": c.description,
                "source": c.source_id,
            }
            for c in project.award_criteria.all()
        ],
    )
    clauses = forms.ClauseFormSet(
        data,
        prefix="clauses",
        initial=[
            {"label": c.label, "dimension": c.dimension, "kind": c.kind, "wording": c.wording, "source": c.source_id}
            for c in project.clauses.all()
        ],
    )
    lots = forms.LotsFormSet(
        data,
        prefix="lots",
        initial=[
            {"number": lot.number, "title": lot.title, "estimated_amount": lot.estimated_amount}
            for lot in project.lots.all()
        ],
    )
    return form, criteria, clauses, lots


def _editable_project(request, pk):
    project = _project(request, pk)
    if not perms.can_edit_project(request, project):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche dans son état actuel.")
    return project


@role_required(Role.BUYER, Role.PRESCRIBER)
def project_edit_view(request, pk):
    project = _editable_project(request, pk)
    form, criteria, clauses, lots = _edit_forms(request, project, request.POST or None)
    if request.method == "POST":
        valid = all([form.is_valid(), criteria.is_valid(), clauses.is_valid(), lots.is_valid()])
        if valid:
            try:
                services.project_update(
                    project=project,
                    by=request.user,
                    data=form.project_data(),
                    expected_version=form.cleaned_data["version"],
                    criteria=forms.rows_for_service(criteria.rows()),
                    clauses=forms.rows_for_service(clauses.rows()),
                    lots=lots.rows(),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "La fiche a été enregistrée.")
                return redirect("strategies:project_edit", pk=project.pk)
        else:
            form.add_error(None, "La fiche n'a pas été enregistrée : corrigez les erreurs signalées.")
    report = selectors.project_report(project)
    return render(
        request,
        "strategies/project_edit.html",
        {
            "project": project,
            "form": form,
            "criteria_formset": criteria,
            "clauses_formset": clauses,
            "lots_formset": lots,
            "formset_errors": [
                (label, formset)
                for label, formset in (("Critère", criteria), ("Clause", clauses), ("Lot", lots))
                if formset.is_bound and (any(formset.errors) or formset.non_form_errors())
            ],
            "report": report,
            "proposals": selectors.proposals_for(project.family),
            "changes_comment": _changes_comment(project),
            "added_sources": {row.source_id for row in [*project.award_criteria.all(), *project.clauses.all()]},
        },
    )


@require_POST
@role_required(Role.BUYER, Role.PRESCRIBER)
def project_checklist_view(request, pk):
    """The live checklist (htmx): the compliance engine run on the form as typed, nothing saved."""
    project = _editable_project(request, pk)
    form, criteria, clauses, lots = _edit_forms(request, project, request.POST)
    form.is_valid()
    draft = form.apply_to_instance(PurchaseProject(organisation=project.organisation, nature=project.nature))
    criteria.is_valid(), clauses.is_valid(), lots.is_valid()
    report = selectors.project_report(
        draft,
        criteria=[_Row(row) for row in criteria.rows()],
        clauses=[_Row(row) for row in clauses.rows()],
        lots=[_Row(row) for row in lots.rows()],
    )
    return render(request, "strategies/_checklist.html", {"report": report, "live": True})


class _Row:
    """A formset row seen by selectors.facts_from like a saved criterion, clause or lot."""

    def __init__(self, data):
        self.includes_environment = False
        self.__dict__.update(data)


@require_POST
@role_required(Role.BUYER, Role.PRESCRIBER)
def project_add_item_view(request, pk, criterion_pk):
    project = _editable_project(request, pk)
    criterion = get_object_or_404(selectors.proposals_for(project.family), pk=criterion_pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.project_add_referentiel_item(
            project=project, criterion=criterion, by=request.user, expected_version=version
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"« {criterion.title} » a été ajouté à la fiche.")
    return redirect(reverse("strategies:project_edit", args=[project.pk]) + "#criteres")


@require_POST
@role_required()
def project_transition_view(request, pk, transition):
    project = _project(request, pk)
    if transition not in Transition.values:
        raise Http404("Étape inconnue.")
    if not perms.can_apply(request, project, transition):
        raise PermissionDenied("Votre rôle ne permet pas cette étape.")
    form = forms.TransitionForm(request.POST, prefix=transition)
    if not form.is_valid():
        messages.error(request, "Le formulaire de l'étape est incomplet : rechargez la fiche.")
        return redirect("strategies:project_detail", pk=project.pk)
    kwargs = {
        "project": project,
        "by": request.user,
        "comment": form.cleaned_data["comment"],
        "expected_version": form.cleaned_data["version"],
    }
    if transition == Transition.GIVE_OPINION:
        kwargs["favourable"] = form.cleaned_data["favourable"]
    if transition == Transition.PUBLISH:
        kwargs["launch_date"] = form.cleaned_data["launch_date"]
    try:
        services.TRANSITION_SERVICES[transition](**kwargs)
    except workflow.InvalidTransition as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Étape « {Transition(transition).label} » enregistrée.")
    return redirect("strategies:project_detail", pk=project.pk)


@require_POST
@role_required(Role.BUYER, Role.PRESCRIBER)
def attachment_add_view(request, pk):
    project = _editable_project(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        services.attachment_add(
            project=project, by=request.user, label=form.cleaned_data["label"], file=form.cleaned_data["file"]
        )
        messages.success(request, "La pièce jointe a été ajoutée.")
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, "Pièce jointe refusée : " + " ".join(errors))
    return redirect(reverse("strategies:project_detail", args=[project.pk]) + "#pieces")


@role_required()
def attachment_download_view(request, pk, attachment_pk):
    project = _project(request, pk)
    attachment = get_object_or_404(project.attachments, pk=attachment_pk)
    name = attachment.file.name.rsplit("/", 1)[-1]
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=name)


def _print_context(request, project):
    return {
        "project": project,
        "document": presenters.document(project, selectors.project_report(project)),
        "logs": project.transition_logs.select_related("user"),
        "printed_at": timezone.localtime(),
    }


@role_required()
def project_print_view(request, pk):
    project = _project(request, pk)
    return render(request, "strategies/project_print.html", _print_context(request, project))


@role_required()
def project_pdf_view(request, pk):
    project = _project(request, pk)
    try:
        from weasyprint import HTML
    except ImportError as error:  # WeasyPrint is a requirement; its absence is a deployment error
        raise RuntimeError("WeasyPrint n'est pas installé : impossible de produire le PDF.") from error
    html = render_to_string("strategies/project_pdf.html", _print_context(request, project), request=request)
    # url_fetcher refuses every external resource: the PDF is built from the page alone, offline.
    pdf = HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(project.subject)[:60] or "fiche"
    response["Content-Disposition"] = f'attachment; filename="fiche-{project.pk}-{name}.pdf"'
    return response


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"ressource externe refusée : {url}")


# --- Reconciliation report ------------------------------------------------------------------------------------

UNCOVERED_SHOWN = 100


def _reconciliation(request, *, uncovered_limit=None):
    form = forms.ReconciliationFilterForm(
        request.GET or None,
        organisation=request.organisation,
        years=selectors.reconciliation_years(request.organisation),
    )
    report = selectors.reconciliation(request.organisation, uncovered_limit=uncovered_limit, **form.filters())
    return form, report


@role_required(*perms.RECONCILIATION_ROLES)
def reconciliation_view(request):
    form, report = _reconciliation(request, uncovered_limit=UNCOVERED_SHOWN)
    return render(
        request,
        "strategies/reconciliation.html",
        {
            "filter_form": form,
            "report": report,
            "query": request.GET.urlencode(),
            "uncovered_shown": UNCOVERED_SHOWN,
            # The form side of a disagreement links to the form for those who take it up: the acheteurs.
            "can_open_forms": request_has_role(request, Role.BUYER),
        },
    )


@role_required(*perms.RECONCILIATION_ROLES)
def reconciliation_export_view(request, fmt):
    _, report = _reconciliation(request)
    name = f"rapprochement-fiches-decp-{datetime.date.today():%Y%m%d}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            core_exports.csv_stream(exports.RECONCILIATION_COLUMNS, report.lines()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    content = core_exports.xlsx_export(exports.RECONCILIATION_COLUMNS, report.lines(), title="Rapprochement")
    return _xlsx(content, f"{name}.xlsx")


# --- Programme -------------------------------------------------------------------------------------------------


def _entries(request):
    return ProgrammeEntry.objects.of_organisation(request.organisation)


def _programme_queryset(request):
    queryset = _entries(request).select_related("direction", "family", "project")
    year = request.GET.get("annee", "")
    if year.isdigit():
        queryset = queryset.filter(year=int(year))
    flag = request.GET.get("drapeau", "")
    if flag in {"form_required", "rse_eligible", "eu_threshold_reached", "is_published"}:
        queryset = queryset.filter(**{flag: True})
    return queryset.order_by("year", "planned_quarter", "planned_launch_date", "subject")


@role_required()
def programme_list_view(request):
    queryset = _programme_queryset(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.can_edit = perms.can_edit_entry(request, entry)
        # The reverse one-to-one raises when absent, which templates cannot test: expose it as None.
        entry.linked_project = getattr(entry, "project", None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "strategies/programme_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "years": selectors.programme_years(request.organisation),
            "year": request.GET.get("annee", ""),
            "flag": request.GET.get("drapeau", ""),
            "can_manage": perms.can_manage_programme(request),
            "can_import": perms.can_import_programme(request),
            "can_publish": perms.can_publish_programme(request),
        },
    )


@role_required()
def programme_export_view(request):
    return _xlsx(
        exports.programme_xlsx(_programme_queryset(request)), f"programmation-{datetime.date.today():%Y%m%d}.xlsx"
    )


@role_required(Role.BUYER, Role.PRESCRIBER)
def programme_entry_edit_view(request, pk=None):
    entry = None
    if pk is not None:
        entry = get_object_or_404(_entries(request), pk=pk)
        if not perms.can_edit_entry(request, entry):
            raise PermissionDenied("Cette ligne ne peut plus être modifiée.")
    form = forms.ProgrammeEntryForm(
        request.POST or None,
        instance=entry,
        organisation=request.organisation,
        direction_ids=_direction_scope(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_entry_save(
                organisation=request.organisation,
                entry=entry,
                data={n: form.cleaned_data[n] for n in form.Meta.fields},
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "La ligne de programmation a été enregistrée.")
            return redirect("strategies:programme_list")
    return render(request, "strategies/programme_entry_form.html", {"form": form, "entry": entry})


@require_POST
@role_required(Role.BUYER, Role.PRESCRIBER)
def programme_entry_to_project_view(request, pk):
    entry = get_object_or_404(_entries(request).select_related("direction", "family"), pk=pk)
    if not perms.can_convert_entry(request, entry):
        raise PermissionDenied("Vous ne pouvez pas créer de projet pour cette ligne.")
    try:
        project = services.project_create_from_entry(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("strategies:programme_list")
    messages.success(request, "Le projet d'achat a été créé depuis la programmation : complétez la fiche.")
    return redirect("strategies:project_edit", pk=project.pk)


@require_POST
@role_required(Role.BUYER)
def programme_publish_view(request):
    ids = [int(value) for value in request.POST.getlist("entries") if value.isdigit()]
    publish = request.POST.get("action") != "unpublish"
    count = services.programme_entries_publish(organisation=request.organisation, entry_ids=ids, publish=publish)
    if count:
        verb = "publiée(s) pour les entreprises" if publish else "retirée(s) de la publication"
        messages.success(request, f"{count} ligne(s) {verb}.")
    else:
        messages.error(request, "Cochez au moins une ligne.")
    return redirect("strategies:programme_list")


@role_required(Role.BUYER)
def programme_import_view(request):
    form = forms.ProgrammeImportForm(
        request.POST or None, request.FILES or None, initial={"year": datetime.date.today().year}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        pending = ProgrammeImport.objects.create(
            organisation=request.organisation,
            uploaded_by=request.user,
            filename=upload.name[:255],
            content=upload.read(),
            year=form.cleaned_data["year"],
        )
        return redirect("strategies:programme_import_preview", pk=pending.pk)
    return render(request, "strategies/programme_import.html", {"form": form})


@role_required(Role.BUYER)
def programme_import_preview_view(request, pk):
    pending = get_object_or_404(
        ProgrammeImport.objects.filter(organisation=request.organisation, confirmed_at__isnull=True), pk=pk
    )
    preview = programme_import.preview(
        bytes(pending.content), lookups=selectors.import_lookups(request.organisation), default_year=pending.year
    )
    if request.method == "POST":
        if preview.errors or not preview.valid_rows:
            messages.error(request, "Rien à importer : corrigez le fichier puis déposez-le à nouveau.")
        else:
            entries = services.programme_import_confirm(pending=pending, rows=[row.data for row in preview.valid_rows])
            messages.success(request, f"{len(entries)} ligne(s) importée(s) dans la programmation.")
            return redirect("strategies:programme_list")
    return render(request, "strategies/programme_import_preview.html", {"pending": pending, "preview": preview})


# --- Settings --------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN, Role.BUYER)
def settings_view(request):
    instance = selectors.settings_for(request.organisation)
    form = forms.SettingsForm(
        request.POST or None, instance=instance, can_change_review_rule=perms.can_change_review_rule(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_settings_update(organisation=request.organisation, data=dict(form.cleaned_data))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Les réglages de la fiche ont été enregistrés.")
            return redirect("strategies:settings")
    return render(request, "strategies/settings.html", {"form": form})
