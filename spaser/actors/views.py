import datetime as dt
import hashlib
import json
import math

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spaser.actors import exports, importing, perms, progress, selectors, services
from spaser.actors.enums import ImportStatus, ImportStep, RowOutcome
from spaser.actors.forms import ActorCorrectionForm, ActorSearchForm
from spaser.actors.models import Actor, ActorImport, Kind, Source
from spaser.actors.recommendation import potential_suppliers
from spaser.contracts.models import Contract
from spaser.core.decorators import check_required, role_required

PAGE_SIZE = 50
EXPORT_MAX = 50_000
# Every write on the shared directory: platform administrators only (spaser.actors.perms).
admin_to_correct = check_required(perms.can_correct_actor, message=perms.PLATFORM_ADMIN_ONLY)
admin_to_publish = check_required(perms.can_publish_actor, message=perms.PLATFORM_ADMIN_ONLY)
admin_to_publish_source = check_required(perms.can_publish_source, message=perms.PLATFORM_ADMIN_ONLY)
admin_to_import = check_required(perms.can_import_actors, message=perms.IMPORT_NEEDS_ORGANISATION)


def _map_settings() -> dict:
    # No tile URL (the default) = no background tiles: markers and the list stay usable offline.
    return {
        "tile_url": getattr(settings, "SPASER_MAP_TILE_URL", ""),
        "tile_attribution": getattr(settings, "SPASER_MAP_TILE_ATTRIBUTION", ""),
    }


def _search(request, *, public: bool):
    form = ActorSearchForm(request.GET or None, public=public)
    base = Actor.objects.all() if public else Actor.objects.visible_to(request.user)
    filters = form.filters() if form.is_bound else selectors.ActorFilters(published_only=public)
    if form.is_bound and not form.is_valid():
        return form, [], False, base
    hits, by_distance = selectors.actors_search(filters, base)
    return form, hits, by_distance, base


def _search_page(request, *, public: bool, template: str, extra=None):
    form, hits, by_distance, base = _search(request, public=public)
    page = Paginator(hits, PAGE_SIZE).get_page(request.GET.get("page"))
    actors = selectors.actors_list_rows(list(page.object_list), base)
    full_query = request.GET.urlencode()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "full_query": full_query,
        "form": form,
        "page": page,
        "actors": actors,
        "by_distance": by_distance,
        "centre": form.cleaned_data.get("centre") if form.is_bound and form.is_valid() else None,
        "query": query.urlencode(),
        "public": public,
        "can_publish": False,
        "map": _map_settings(),
        **(extra or {}),
    }
    return render(request, template, context)


@require_GET
@role_required()
def actor_search_view(request):
    can_publish = perms.can_publish_actor(request)
    return _search_page(request, public=False, template="actors/search.html", extra={"can_publish": can_publish})


BULK_MAX = 500


@admin_to_publish
@require_POST
def actor_publish_bulk_view(request):
    """Publishes or withdraws the actors ticked in the list, then comes back to the same search."""
    ids = sorted({int(value) for value in request.POST.getlist("actor") if value.isdigit()})
    published = request.POST.get("published") == "1"
    if not ids:
        messages.error(request, "Cochez au moins un acteur dans la liste.")
    elif len(ids) > BULK_MAX:
        messages.error(request, f"Au plus {BULK_MAX} acteurs à la fois.")
    else:
        visible = list(Actor.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
        changed = services.actors_publish(actor_ids=visible, by=request.user, published=published)
        verb = "publié" if published else "retiré de la carte publique"
        messages.success(request, f"{changed} acteur{'s' if changed > 1 else ''} {verb}{'s' if changed > 1 else ''}.")
    query = request.POST.get("query", "")
    url = reverse("actors:search")
    return redirect(f"{url}?{query}" if query else url)


@require_GET
@role_required()
def actor_export_view(request, fmt):
    form, hits, _, base = _search(request, public=False)
    actors = selectors.actors_page(hits[:EXPORT_MAX], base)
    stamp = dt.date.today().isoformat()
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_rows(actors), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="acteurs-{stamp}.csv"'
        return response
    response = HttpResponse(
        exports.xlsx_bytes(actors),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="acteurs-{stamp}.xlsx"'
    return response


def _bbox(request):
    """The requested box, snapped outward to a grid (0.1°, or 1° for wide boxes) so that cached answers are
    reused while the map pans a little."""
    try:
        west, south, east, north = (float(value) for value in request.GET.get("bbox", "").split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    step = 1.0 if max(east - west, north - south) > 10 else 0.1
    return (
        max(-180.0, math.floor(west / step) * step),
        max(-90.0, math.floor(south / step) * step),
        min(180.0, math.ceil(east / step) * step),
        min(90.0, math.ceil(north / step) * step),
    )


GEOJSON_CACHE_SECONDS = 300


def _geojson(request, *, public: bool):
    bbox = _bbox(request)
    params = sorted((key, value) for key, value in request.GET.lists() if key not in ("bbox", "page"))
    raw_key = f"{public}|{services.data_version()}|{params}|{bbox}"
    key = "actors:geojson:" + hashlib.sha256(raw_key.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return HttpResponse(cached, content_type="application/json")
    form = ActorSearchForm(request.GET, public=public)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    base = Actor.objects.all() if public else Actor.objects.visible_to(request.user)
    collection = selectors.map_features(form.filters(), base, bbox=bbox)
    detail = "actors:public_detail" if public else "actors:detail"
    prefix = reverse(detail, args=[0])[:-2]  # "/acteurs/0/" → "/acteurs/": one reverse, not one per point
    for feature in collection["features"]:
        if "id" in feature["properties"]:
            feature["properties"]["url"] = f"{prefix}{feature['properties']['id']}/"
    body = json.dumps(collection, separators=(",", ":"))
    cache.set(key, body, GEOJSON_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json")


@require_GET
@role_required()
def actor_geojson_view(request):
    return _geojson(request, public=False)


def _contracts_won(actor, request):
    if not actor.siren:
        return Contract.objects.none(), 0
    won = Contract.objects.visible_to(request.user).filter(holders__supplier__siren=actor.siren).distinct()
    ours = won.filter(buyer=request.organisation).select_related("buyer").order_by("-notified_on", "-pk")
    return ours[:50], won.exclude(buyer=request.organisation).count()


def _correction_rows(actor) -> list[tuple[str, str, str]]:
    """(field, French label, value as text) of each agent's correction, for the detail page."""
    rows = []
    for key, value in actor.corrections.items():
        try:
            label = str(Actor._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:  # commune_code is a correction key, not a model field
            label = "code INSEE de la commune" if key == "commune_code" else key
        text = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        rows.append((key, label[:1].upper() + label[1:], text))
    return rows


@require_GET
@role_required()
def actor_detail_view(request, pk):
    actor = get_object_or_404(Actor.objects.visible_to(request.user).select_related("commune__departement"), pk=pk)
    ours, elsewhere = _contracts_won(actor, request)
    return render(
        request,
        "actors/detail.html",
        {
            "actor": actor,
            "records": actor.records.select_related("source").order_by("source__data_date", "pk"),
            "history": actor.history.select_related("history_user").order_by("-history_date")[:20],
            "contracts": ours,
            "contracts_elsewhere": elsewhere,
            "corrections": _correction_rows(actor),
            "can_correct": perms.can_correct_actor(request),
            "can_publish": perms.can_publish_actor(request),
            "public": False,
        },
    )


@admin_to_correct
@require_http_methods(["GET", "POST"])
def actor_correct_view(request, pk):
    actor = get_object_or_404(Actor.objects.visible_to(request.user), pk=pk)
    form = ActorCorrectionForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if changes:
            services.actor_correct(actor=actor, by=request.user, changes=changes, reason=form.cleaned_data["reason"])
            messages.success(request, "La correction est enregistrée ; les valeurs importées restent conservées.")
        else:
            messages.info(request, "Aucune valeur n'a changé.")
        return redirect("actors:detail", pk=actor.pk)
    return render(request, "actors/correct.html", {"actor": actor, "form": form})


@admin_to_correct
@require_POST
def actor_correction_remove_view(request, pk):
    actor = get_object_or_404(Actor.objects.visible_to(request.user), pk=pk)
    field_name = request.POST.get("field", "")
    if field_name in actor.corrections:
        services.actor_correction_remove(actor=actor, by=request.user, field_name=field_name)
        messages.success(request, "La correction est retirée : la valeur importée s'affiche de nouveau.")
    return redirect("actors:detail", pk=actor.pk)


@admin_to_publish
@require_POST
def actor_publish_view(request, pk):
    actor = get_object_or_404(Actor.objects.visible_to(request.user), pk=pk)
    published = request.POST.get("published") == "1"
    services.actor_publish(actor=actor, by=request.user, published=published)
    messages.success(
        request, "Acteur publié sur la carte publique." if published else "Acteur retiré de la carte publique."
    )
    return redirect("actors:detail", pk=actor.pk)


@require_GET
@role_required()
def source_list_view(request):
    from django.db.models import Count

    sources = Source.objects.annotate(actor_count=Count("records__actor", distinct=True)).order_by("name")
    return render(
        request,
        "actors/sources.html",
        {"sources": sources, "kinds": Kind.objects.all(), "can_publish": perms.can_publish_source(request)},
    )


@admin_to_publish_source
@require_POST
def source_publish_view(request, pk):
    """Publishes or withdraws a whole source (its actors with it) from the public map."""
    source = get_object_or_404(Source, pk=pk)
    published = request.POST.get("published") == "1"
    changed = services.source_publish(source=source, by=request.user, published=published)
    plural = "s" if changed > 1 else ""
    if published:
        messages.success(
            request, f"Source « {source.name} » publiée : {changed} acteur{plural} ajouté{plural} à la carte publique."
        )
    else:
        messages.success(
            request,
            f"Source « {source.name} » retirée : {changed} acteur{plural} retiré{plural} de la carte publique.",
        )
    return redirect("actors:sources")


@require_GET
@role_required()
def potential_suppliers_view(request):
    potential = potential_suppliers(
        family_code=request.GET.get("famille", ""),
        commune_code=request.GET.get("commune", ""),
        radius_km=_float_or_none(request.GET.get("rayon")),
    )
    from spaser.referentiel.models import Family

    return render(
        request,
        "actors/potential_suppliers.html",
        {
            "potential": potential,
            "families": Family.objects.exclude(parent=None).order_by("label"),
            "family_code": request.GET.get("famille", ""),
            "commune_code": request.GET.get("commune", ""),
            "asked": "famille" in request.GET,
        },
    )


def _float_or_none(value):
    try:
        return float(value) if value else None
    except ValueError:
        return None


# --- Imports ----------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur , ou ;), XLSX, ou JSON au format de l'API Recherche d'entreprises ; 10 Mo au plus.",
    )
    source_name = forms.CharField(label="Nom de la source", max_length=255, help_text="Par exemple : CRESS, URSCOP.")
    source_publisher = forms.CharField(label="Producteur des données", max_length=255, required=False)
    source_licence = forms.CharField(label="Licence", max_length=255, help_text="Par exemple : Licence Ouverte 2.0.")
    source_date = forms.DateField(
        label="Date des données", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    default_kinds = forms.ModelMultipleChoiceField(
        label="Types appliqués à toutes les lignes",
        queryset=Kind.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Par exemple « Scop » pour la liste de l'URSCOP.",
    )


@admin_to_import
@require_GET
def import_list_view(request):
    batches = (
        ActorImport.objects.filter(organisation=request.organisation)
        .select_related("created_by", "source")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "actors/import_list.html", {"page": page, "query": ""})


@admin_to_import
@require_http_methods(["GET", "POST"])
def import_create_view(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importing.actor_import_create(
                organisation=request.organisation,
                by=request.user,
                file_name=upload.name,
                content=upload.read(importing.MAX_BYTES + 1),
                source_name=form.cleaned_data["source_name"],
                source_publisher=form.cleaned_data["source_publisher"],
                source_licence=form.cleaned_data["source_licence"],
                source_date=form.cleaned_data["source_date"],
                default_kinds=[kind.code for kind in form.cleaned_data["default_kinds"]],
            )
        except importing.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            if batch.running:  # a JSON file: no column mapping, its preview runs in the worker
                return redirect("actors:import_detail", pk=batch.pk)
            return redirect("actors:import_mapping", pk=batch.pk)
    return render(request, "actors/import_form.html", {"form": form})


def _mapping_form(batch, data=None):
    choices = [(importing.IGNORE, "— ne pas importer —"), *importing.TARGETS.items()]
    form = forms.Form(data)
    for index, header in enumerate(batch.headers):
        form.fields[f"col_{index}"] = forms.ChoiceField(
            label=header or f"(colonne {index + 1} sans titre)",
            choices=choices,
            required=False,
            initial=batch.mapping.get(header, ""),
            widget=forms.Select(attrs={"class": "form-select"}),
        )
    return form


@admin_to_import
@require_http_methods(["GET", "POST"])
def import_mapping_view(request, pk):
    batch = get_object_or_404(
        ActorImport.objects.filter(organisation=request.organisation, status=ImportStatus.PREVIEW), pk=pk
    )
    if batch.running:
        messages.info(request, "Une étape de cet import est en cours : attendez qu'elle se termine.")
        return redirect("actors:import_detail", pk=batch.pk)
    form = _mapping_form(batch, request.POST or None)
    if request.method == "POST" and form.is_valid():
        mapping = {header: form.cleaned_data[f"col_{index}"] for index, header in enumerate(batch.headers)}
        targets = [target for target in mapping.values() if target]
        if "name" not in targets:
            form.add_error(None, "Indiquez quelle colonne contient le nom de la structure.")
        elif len(targets) != len(set(targets)):
            form.add_error(None, "Deux colonnes ne peuvent pas alimenter le même champ.")
        else:
            importing.actor_import_start(batch=batch, step=ImportStep.PREVIEW, mapping=mapping)
            messages.success(request, "L'aperçu est en préparation : rien n'est importé avant votre confirmation.")
            return redirect("actors:import_detail", pk=batch.pk)
    sample = batch.rows[:5]
    return render(
        request,
        "actors/import_mapping.html",
        {"batch": batch, "form": form, "sample": [[row.get(h, "") for h in batch.headers] for row in sample]},
    )


@admin_to_import
@require_GET
def import_detail_view(request, pk):
    batch = get_object_or_404(
        ActorImport.objects.filter(organisation=request.organisation).select_related("source", "created_by"), pk=pk
    )
    lines = batch.lines.select_related("matched_actor").order_by("line")
    outcome = request.GET.get("resultat", "")
    if outcome in RowOutcome.values:
        lines = lines.filter(outcome=outcome)
    from django.db.models import Count

    counts = dict(batch.lines.values_list("outcome").annotate(n=Count("pk")))
    page = Paginator(lines, 100).get_page(request.GET.get("page"))
    ignored = [header for header, target in batch.mapping.items() if not target]
    return render(
        request,
        "actors/import_detail.html",
        {
            "batch": batch,
            "page": page,
            "counts": [(value, label, counts.get(value, 0)) for value, label in RowOutcome.choices],
            "outcome": outcome,
            "ignored_columns": ignored,
            "query": f"resultat={outcome}" if outcome else "",
            **_progress_context(batch),
        },
    )


def _progress_context(batch) -> dict:
    value = progress.read(batch.pk) if batch.running else None
    return {"progress": value, "percent": progress.percent(value)}


@admin_to_import
@require_GET
def import_progress_view(request, pk):
    """Fragment polled by htmx while a step runs in the worker; once it is over, htmx reloads the page."""
    batch = get_object_or_404(ActorImport.objects.filter(organisation=request.organisation), pk=pk)
    response = render(request, "actors/_import_progress.html", {"batch": batch, **_progress_context(batch)})
    if not batch.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@admin_to_import
@require_POST
def import_confirm_view(request, pk):
    batch = get_object_or_404(
        ActorImport.objects.filter(organisation=request.organisation, status=ImportStatus.PREVIEW), pk=pk
    )
    if batch.running:
        messages.info(request, "Une étape de cet import est déjà en cours.")
        return redirect("actors:import_detail", pk=batch.pk)
    if not batch.lines.exists():
        messages.error(request, "Établissez d'abord la correspondance des colonnes.")
        return redirect("actors:import_mapping", pk=batch.pk)
    importing.actor_import_start(batch=batch, step=ImportStep.CONFIRM, by=request.user)
    messages.success(
        request, "Import lancé : les acteurs entrent dans l'annuaire en une fois ; les lignes rejetées restent ici."
    )
    return redirect("actors:import_detail", pk=batch.pk)


@admin_to_import
@require_POST
def import_cancel_view(request, pk):
    batch = get_object_or_404(ActorImport.objects.filter(organisation=request.organisation), pk=pk)
    if batch.running:
        messages.info(request, "Une étape de cet import est en cours : il ne peut pas être abandonné maintenant.")
        return redirect("actors:import_detail", pk=batch.pk)
    if batch.status == ImportStatus.PREVIEW:
        importing.actor_import_cancel(batch=batch)
        messages.info(request, "Import abandonné : rien n'a été importé.")
    else:
        messages.info(request, f"Cet import est déjà dans l'état « {batch.get_status_display()} ».")
    return redirect("actors:import_list")


# --- Public map -------------------------------------------------------------------------------------


@require_GET
def public_map_view(request):
    return _search_page(request, public=True, template="actors/public_map.html")


@require_GET
def public_geojson_view(request):
    return _geojson(request, public=True)


@require_GET
def public_detail_view(request, pk):
    actor = Actor.objects.published().select_related("commune__departement").filter(pk=pk).first()
    if actor is None:
        raise Http404("Acteur non publié.")
    return render(
        request,
        "actors/public_detail.html",
        {"actor": actor, "records": actor.records.select_related("source").order_by("source__data_date", "pk")},
    )
