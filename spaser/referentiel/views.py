from django.apps import apps
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from spaser.core.decorators import check_required, role_required
from spaser.referentiel import cpv, perms, selectors, services
from spaser.referentiel.exports import criteria_xlsx, spaser_xlsx, spaser_yaml
from spaser.referentiel.forms import (
    BuyerSettingsForm,
    ChantierForm,
    CpvLookupForm,
    CriteriaFilterForm,
    CriterionForm,
    DirectionFormSet,
    IndicatorForm,
    MilestoneFormSet,
    SpaserForm,
    TargetFormSet,
    ThemeForm,
    ThresholdQueryForm,
)
from spaser.referentiel.models import (
    BuyerSettings,
    Chantier,
    CpvRule,
    Criterion,
    Family,
    Indicator,
    LegalObligation,
    Spaser,
    Theme,
    Threshold,
)
from spaser.referentiel.thresholds import applicable_rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _spasers(request):
    return Spaser.objects.of_organisation(request.organisation)


# --- Index ----------------------------------------------------------------------------------------------

# What anyone may read, signed in or not: (title, URL name, description).
PUBLIC_SECTIONS = (
    (
        "Critères et clauses responsables",
        "referentiel:public_criteria",
        "Les critères, clauses, spécifications, réservations et variantes que la collectivité peut demander à ses "
        "fournisseurs, par famille d'achat, avec une rédaction type et leur fondement juridique.",
    ),
    (
        "Familles d'achat (API, JSON)",
        "api:families",
        "Les familles d'achat du référentiel, leur nature et leur famille parente, en données ouvertes.",
    ),
    (
        "Critères et clauses (API, JSON)",
        "api:criteria",
        "Le référentiel des critères et clauses en données ouvertes, filtrable par dimension et par type.",
    ),
    (
        "L'API publique",
        "api:index",
        "Toutes les données publiques de la plateforme, en lecture seule : points d'accès, schéma OpenAPI et "
        "documentation interactive.",
    ),
)


def index_view(request):
    """The référentiel's sections: public ones for everyone, the back-office ones the signed-in user may open."""
    config = apps.get_app_config("referentiel")
    back_office = [entry for entry in config.navigation if not entry.public and entry.visible_to(request)]
    context = {
        "public_sections": [
            {"title": title, "url": reverse(url_name), "description": description}
            for title, url_name, description in PUBLIC_SECTIONS
        ],
        "back_office": back_office,
        "can_edit_criteria": perms.can_edit_criteria(request),
    }
    return render(request, "referentiel/index.html", context)


# --- SPASER tree -----------------------------------------------------------------------------------------


@role_required()
def spaser_list_view(request):
    spasers = _spasers(request).annotate(
        chantier_count=Count("chantiers", distinct=True), indicator_count=Count("indicators", distinct=True)
    )
    return render(request, "referentiel/spaser_list.html", {"spasers": spasers})


@role_required()
def spaser_detail_view(request, pk):
    spaser = get_object_or_404(_spasers(request), pk=pk)
    themes = selectors.spaser_tree(spaser)
    axes = list(spaser.axes.order_by("position", "code"))
    for axis in axes:
        axis.theme_list = [theme for theme in themes if theme.axis_id == axis.pk]
    context = {
        "spaser": spaser,
        "axes": axes,
        "cross_cutting": [theme for theme in themes if theme.axis_id is None],
        "can_edit": perms.can_edit_spaser(request),
    }
    return render(request, "referentiel/spaser_detail.html", context)


@role_required(*perms.SPASER_EDITORS)
def spaser_edit_view(request, pk):
    spaser = get_object_or_404(_spasers(request), pk=pk)
    form = SpaserForm(request.POST or None, instance=spaser)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Le SPASER a été modifié.")
        return redirect("referentiel:spaser_detail", pk=spaser.pk)
    return render(
        request,
        "referentiel/form.html",
        {"form": form, "title": f"Modifier « {spaser.title} »", "back_url": spaser_url(spaser)},
    )


def spaser_url(spaser):
    return reverse("referentiel:spaser_detail", kwargs={"pk": spaser.pk})


@role_required()
def spaser_export_view(request, pk):
    spaser = get_object_or_404(_spasers(request).select_related("organisation"), pk=pk)
    return _download(spaser_yaml(spaser), f"{spaser.code}.yaml", "application/yaml; charset=utf-8")


@role_required()
def spaser_xlsx_view(request, pk):
    spaser = get_object_or_404(_spasers(request).select_related("organisation"), pk=pk)
    return _download(spaser_xlsx(spaser), f"{spaser.code}.xlsx", XLSX)


@role_required(*perms.SPASER_EDITORS)
def theme_edit_view(request, pk):
    theme = get_object_or_404(Theme.objects.filter(spaser__in=_spasers(request)).select_related("spaser"), pk=pk)
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "La thématique a été modifiée.")
        return redirect("referentiel:spaser_detail", pk=theme.spaser_id)
    return render(
        request,
        "referentiel/form.html",
        {"form": form, "title": f"Modifier la thématique {theme.code}", "back_url": spaser_url(theme.spaser)},
    )


@role_required()
def chantier_detail_view(request, pk):
    indicators = Indicator.objects.order_by("position", "code").prefetch_related("targets")
    chantier = get_object_or_404(
        Chantier.objects.of_organisation(request.organisation)
        .select_related("spaser", "theme__axis")
        .prefetch_related("directions", "milestones", Prefetch("indicators", queryset=indicators)),
        pk=pk,
    )
    criteria = Criterion.objects.filter(chantier_code=chantier.code).order_by("position", "code")
    context = {
        "chantier": chantier,
        "criteria": criteria,
        "can_edit": perms.can_edit_chantier(request),
        "today": timezone.localdate(),
    }
    return render(request, "referentiel/chantier_detail.html", context)


@role_required(*perms.CHANTIER_EDITORS)
def chantier_edit_view(request, pk):
    chantier = get_object_or_404(
        Chantier.objects.of_organisation(request.organisation).select_related("spaser"), pk=pk
    )
    form = ChantierForm(request.POST or None, instance=chantier)
    directions = DirectionFormSet(request.POST or None, instance=chantier, prefix="directions")
    milestones = MilestoneFormSet(request.POST or None, instance=chantier, prefix="milestones")
    if request.method == "POST" and form.is_valid() and directions.is_valid() and milestones.is_valid():
        services.chantier_update(form=form, directions=directions, milestones=milestones)
        messages.success(request, "Le chantier a été modifié.")
        return redirect("referentiel:chantier_detail", pk=chantier.pk)
    context = {"form": form, "directions": directions, "milestones": milestones, "chantier": chantier}
    return render(request, "referentiel/chantier_form.html", context)


@role_required(*perms.CHANTIER_EDITORS)
def indicator_edit_view(request, pk):
    indicator = get_object_or_404(
        Indicator.objects.of_organisation(request.organisation).select_related("chantier"), pk=pk
    )
    form = IndicatorForm(request.POST or None, instance=indicator)
    formset = TargetFormSet(request.POST or None, instance=indicator, prefix="targets")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        services.indicator_update(form=form, targets=formset)
        messages.success(request, "L'indicateur et ses cibles ont été enregistrés.")
        return redirect("referentiel:chantier_detail", pk=indicator.chantier_id)
    context = {"form": form, "formset": formset, "indicator": indicator}
    return render(request, "referentiel/indicator_form.html", context)


# --- Criteria and clauses --------------------------------------------------------------------------------


def _criteria_context(request, *, public):
    families = selectors.family_choices()
    form = CriteriaFilterForm(request.GET or None, families=families)
    filters = form.cleaned_data if form.is_valid() else {}
    criteria = selectors.criteria_filtered(
        family=filters.get("family"),
        dimension=filters.get("dimension", ""),
        kind=filters.get("kind", ""),
        search=filters.get("q", ""),
    )
    return {
        "form": form,
        "criteria": criteria,
        "public": public,
        "htmx": False,
    }


def _criteria_page(request, *, public):
    context = _criteria_context(request, public=public)
    if request.headers.get("HX-Request"):
        return render(request, "referentiel/_criteria_results.html", {**context, "htmx": True})
    return render(request, "referentiel/criteria_list.html", context)


@role_required()
def criteria_list_view(request):
    return _criteria_page(request, public=False)


def public_criteria_view(request):
    return _criteria_page(request, public=True)


def _criterion_page(request, criterion, *, public):
    families = list(criterion.families.order_by("position", "code"))
    context = {
        "criterion": criterion,
        "families": families,
        "public": public,
        "can_edit": perms.can_edit_criteria(request),
    }
    if not public and request.organisation is not None:
        context["chantier"] = (
            Chantier.objects.of_organisation(request.organisation).filter(code=criterion.chantier_code).first()
        )
    return render(request, "referentiel/criterion_detail.html", context)


@role_required()
def criterion_detail_view(request, pk):
    return _criterion_page(request, get_object_or_404(Criterion, pk=pk), public=False)


def public_criterion_detail_view(request, code):
    return _criterion_page(request, get_object_or_404(Criterion, code=code), public=True)


@check_required(perms.can_edit_criteria, message=perms.PLATFORM_ADMIN_ONLY)
def criterion_edit_view(request, pk):
    criterion = get_object_or_404(Criterion, pk=pk)
    form = CriterionForm(request.POST or None, instance=criterion)
    # A platform administrator may belong to no organisation: the back-office page needs one.
    if request.organisation is None:
        back = reverse("referentiel:public_criterion_detail", kwargs={"code": criterion.code})
    else:
        back = reverse("referentiel:criterion_detail", kwargs={"pk": criterion.pk})
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "L'élément du référentiel a été modifié.")
        return redirect(back)
    return render(
        request, "referentiel/form.html", {"form": form, "title": f"Modifier {criterion.code}", "back_url": back}
    )


@role_required()
def criteria_xlsx_view(request):
    criteria = Criterion.objects.prefetch_related("families").order_by("position", "code")
    return _download(
        criteria_xlsx(criteria, selectors.family_choices(with_rules=True)), "referentiel-criteres-clauses.xlsx", XLSX
    )


# --- Families, thresholds, settings ----------------------------------------------------------------------


@role_required()
def families_view(request):
    families = selectors.family_choices()
    rules: dict[int, list[str]] = {}
    for family_id, prefix in CpvRule.objects.order_by("prefix").values_list("family_id", "prefix"):
        rules.setdefault(family_id, []).append(prefix)
    counts = dict(Family.objects.annotate(count=Count("criteria")).values_list("pk", "count"))
    for family in families:
        family.prefixes = rules.get(family.pk, [])
        family.criteria_count = counts.get(family.pk, 0)
    form = CpvLookupForm(request.GET or None)
    result = None
    if form.is_valid():
        code8 = cpv.normalise(form.cleaned_data["cpv"])
        result = {"code": code8, "label": cpv.label(code8), "family": selectors.resolve_family(code8)}
    return render(request, "referentiel/families.html", {"families": families, "form": form, "result": result})


@role_required()
def thresholds_view(request):
    settings_row = BuyerSettings.objects.filter(organisation=request.organisation).first()
    initial = {
        "buyer_kind": settings_row.buyer_kind if settings_row else "sub_central",
        "nature": "services",
        "launch_date": timezone.localdate(),
    }
    form = ThresholdQueryForm(request.GET or None, initial=initial)
    answer = None
    if form.is_valid():
        answer = applicable_rules(**form.cleaned_data, organisation=request.organisation)
    context = {
        "form": form,
        "answer": answer,
        "thresholds": Threshold.objects.order_by("position"),
        "obligations": LegalObligation.objects.order_by("position"),
        "settings_row": settings_row,
        "can_edit_settings": perms.can_edit_settings(request),
    }
    return render(request, "referentiel/thresholds.html", context)


@role_required(*perms.SETTINGS_EDITORS)
def settings_edit_view(request):
    settings_row, _ = BuyerSettings.objects.get_or_create(organisation=request.organisation)
    form = BuyerSettingsForm(request.POST or None, instance=settings_row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Les réglages ont été enregistrés.")
        return redirect("referentiel:thresholds")
    return render(
        request,
        "referentiel/form.html",
        {
            "form": form,
            "title": "Réglages des seuils de l'organisation",
            "back_url": reverse("referentiel:thresholds"),
        },
    )
