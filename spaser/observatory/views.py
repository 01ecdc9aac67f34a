"""Public pages of the observatory (no login, cached) and the back-office of the TPE/PME cell."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from spaser.core.client_ip import client_ip
from spaser.core.decorators import role_required
from spaser.observatory import charts, exports, selectors, services
from spaser.observatory.forms import (
    ContactForm,
    ContactHandleForm,
    ContactInboxFilterForm,
    PlanFilterForm,
    TerritoryFilterForm,
)
from spaser.observatory.models import ContactRequest
from spaser.observatory.page_cache import data_cached, public_page
from spaser.observatory.perms import CELL_ROLES

logger = logging.getLogger(__name__)


# --- Public pages ---------------------------------------------------------------------------------------


@public_page()
def home_view(request):
    organisation = selectors.home_organisation()
    spaser = selectors.current_spaser(organisation)
    indicators = list(selectors.published_indicators(organisation))
    context = {
        "organisation": organisation,
        "spaser": spaser,
        "overview": selectors.spaser_overview(spaser, indicators) if spaser else [],
        "indicator_count": len(indicators),
        "years": data_cached(
            "years", lambda: selectors.contract_years(organisation), organisation.pk if organisation else None
        ),
    }
    return render(request, "observatory/home.html", context)


@public_page()
def key_figures_view(request, year):
    organisation = selectors.home_organisation()
    contracts = selectors.organisation_contracts(organisation).filter(notified_on__year=year)
    totals = selectors.contract_totals(contracts)
    empty = {"target": None, "value": None, "status": None, "status_label": ""}
    published = list(selectors.published_indicators(organisation))
    states = selectors.indicator_states(published, organisation, year)
    indicators = [
        (
            indicator,
            next((p for p in selectors.trajectory(indicator, states.get(indicator.pk)) if p["year"] == year), empty),
        )
        for indicator in published
    ]
    context = {
        "organisation": organisation,
        "year": year,
        "totals": totals,
        "indicators": indicators,
        "years": selectors.contract_years(organisation),
        "plan_count": selectors.plan_entries(organisation).filter(year=year).count(),
    }
    return render(request, "observatory/key_figures.html", context)


@public_page()
def indicator_view(request, code):
    organisation = selectors.home_organisation()
    indicator = selectors.published_indicator(organisation, code)
    if indicator is None:
        raise Http404("Indicateur non publié.")
    points = selectors.trajectory(indicator)
    measured = selectors.has_values(points)
    context = {
        "indicator": indicator,
        "points": points,
        "chart": charts.trajectory_svg(points, unit=indicator.unit, title=indicator.label) if measured else "",
        "next_step": "" if measured else selectors.no_values_public_note(indicator),
        "targets": [point for point in points if point["target"] is not None],
    }
    return render(request, "observatory/indicator.html", context)


@public_page(params=("year", "kind", "carte"))
def territory_view(request):
    organisation = selectors.home_organisation()
    form = TerritoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    region_code = organisation.region_code if organisation else ""
    filters = {"region_code": region_code, "year": data.get("year"), "kind": data.get("kind") or ""}
    rows, departements = data_cached(
        "territory",
        lambda: (selectors.territory_buyers(**filters), selectors.territory_departements(**filters)),
        *filters.values(),
    )
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.kind_label, []).append(row)
    measure_key, measure_label = selectors.MAP_MEASURES[data.get("carte") or "social"]
    shapes = selectors.region_departement_shapes(region_code, departements)
    map_title = f"{measure_label}, par département d'exécution"
    if data.get("year"):
        map_title += f", marchés notifiés en {data['year']}"
    context = {
        "form": form,
        "groups": groups,
        "buyer_count": len(rows),
        "departements": selectors.departement_table(shapes, departements),
        "map": charts.departement_map_svg(
            shapes, {code: departements.get(code, {}).get(measure_key) for code in shapes}, title=map_title
        ),
        "map_title": map_title,
        "map_legend": charts.share_classes(),
        "no_data_fill": charts.NO_DATA_FILL,
    }
    return render(request, "observatory/territory.html", context)


@public_page(params=("q", "year", "quarter", "family", "nature", "band", "page"))
def plan_view(request):
    organisation = selectors.home_organisation()
    form = PlanFilterForm(request.GET or None)
    entries = selectors.plan_entries(organisation)
    if form.is_valid():
        entries = selectors.plan_filtered(entries, form.cleaned_data)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.band = selectors.amount_band(entry.estimated_amount)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count}
    return render(request, "observatory/plan.html", context)


def plan_csv_view(request):
    organisation = selectors.home_organisation()
    form = PlanFilterForm(request.GET or None)
    entries = selectors.plan_entries(organisation)
    if form.is_valid():
        entries = selectors.plan_filtered(entries, form.cleaned_data)
    return exports.csv_response(
        exports.plan_rows(entries), "programmation-previsionnelle.csv", dataset="programmation"
    )


def plan_ical_view(request):
    organisation = selectors.home_organisation()
    form = PlanFilterForm(request.GET or None)
    entries = selectors.plan_entries(organisation)
    if form.is_valid():
        entries = selectors.plan_filtered(entries, form.cleaned_data)
    body = exports.plan_ical(entries, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programmation-previsionnelle.ics"'
    return response


def _catalogue_vary() -> str:
    """The catalogue shows the switch and today's date (the datasets are read at each download)."""
    from django.utils import timezone

    return f"{exports.open_data_published()}-{timezone.localdate()}"


@public_page(vary=_catalogue_vary)
def opendata_view(request):
    context = {"datasets": exports.catalogue(), "published": exports.open_data_published()}
    return render(request, "observatory/opendata.html", context)


def dataset_view(request, slug, fmt):
    dataset = exports.DATASETS.get(slug)
    if dataset is None or fmt not in exports.FORMATS:
        raise Http404("Jeu de données inconnu.")
    if not exports.open_data_published():
        raise Http404("Les données ouvertes ne sont pas encore publiées.")
    rows = dataset.rows(selectors.home_organisation())
    return exports.dataset_response(dataset, rows, fmt)


def schema_view(request, slug):
    dataset = exports.DATASETS.get(slug)
    if dataset is None:
        raise Http404("Jeu de données inconnu.")
    response = HttpResponse(dataset.schema_path.read_bytes(), content_type="application/json")
    return response


@require_http_methods(["GET", "POST"])
def contact_view(request):
    organisation = selectors.home_organisation()
    if organisation is None:
        raise Http404("Aucune organisation d'accueil.")
    initial = {"subject": request.GET.get("objet", "")[:200]} if request.method == "GET" else None
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST":
        address = client_ip(request)
        if services.contact_rate_limited(address=address):
            logger.warning("contact form rate limit reached for %s", address)
            response = render(request, "observatory/contact_limited.html", status=429)
            response["Retry-After"] = str(services.CONTACT_RATE_WINDOW)
            return response
        if form.is_spam:
            # Answer as if accepted, store nothing: robots learn nothing.
            logger.info("contact form honeypot filled, post dropped")
            services.contact_post_count(address=address, accepted=False)
            return redirect("observatory:contact_sent")
        if form.is_valid():
            with transaction.atomic():
                services.contact_request_create(organisation=organisation, data=form.cleaned_data)
            services.contact_post_count(address=address, accepted=True)
            return redirect("observatory:contact_sent")
        services.contact_post_count(address=address, accepted=False)
    return render(request, "observatory/contact.html", {"form": form}, status=400 if form.errors else 200)


def contact_sent_view(request):
    return render(request, "observatory/contact_sent.html")


# --- Back-office: the cell's inbox ----------------------------------------------------------------------


@role_required(*CELL_ROLES)
def inbox_view(request):
    form = ContactInboxFilterForm(request.GET or None)
    contacts = ContactRequest.objects.of_organisation(request.organisation).select_related("handled_by")
    if form.is_valid() and form.cleaned_data.get("status"):
        contacts = contacts.filter(status=form.cleaned_data["status"])
    page = Paginator(contacts, 50).get_page(request.GET.get("page"))
    return render(request, "observatory/inbox.html", {"form": form, "page": page})


@role_required(*CELL_ROLES)
def contact_detail_view(request, pk):
    contact = get_object_or_404(ContactRequest.objects.of_organisation(request.organisation), pk=pk)
    form = ContactHandleForm(request.POST or None, instance=contact)
    if request.method == "POST":
        if form.is_valid():
            services.contact_request_update(
                contact=contact,
                user=request.user,
                status=form.cleaned_data["status"],
                internal_note=form.cleaned_data["internal_note"],
            )
            messages.success(request, "La demande a été mise à jour.")
            return redirect("observatory:contact_detail", pk=contact.pk)
    return render(request, "observatory/contact_detail.html", {"contact": contact, "form": form})


@role_required()
def publication_view(request):
    from spaser.observatory.perms import can_manage_publication
    from spaser.referentiel.models import Indicator

    if not can_manage_publication(request):
        raise PermissionDenied("Seuls les administrateurs décident de ce qui est publié.")
    indicators = (
        Indicator.objects.of_organisation(request.organisation)
        .select_related("chantier", "publication")
        .order_by("spaser", "position", "code")
    )
    if request.method == "POST":
        indicator = get_object_or_404(indicators, pk=request.POST.get("indicator"))
        services.indicator_publication_set(indicator=indicator, is_public=request.POST.get("is_public") == "1")
        messages.success(request, f"Publication de « {indicator.label} » enregistrée.")
        return redirect("observatory:publication")
    return render(request, "observatory/publication.html", {"indicators": indicators})
