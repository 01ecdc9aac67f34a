import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from spaser.accounts.enums import Role
from spaser.core.decorators import role_required
from spaser.indicators import charts, exports
from spaser.indicators.enums import ScopeKind, Status
from spaser.indicators.forms import ManualValueForm
from spaser.indicators.models import ManualValue
from spaser.indicators.selectors import (
    STATUS_CSS,
    Period,
    current_spaser,
    default_year,
    indicator_states,
    missing_manual_values,
    parse_period,
    period_option_label,
    period_values,
    spaser_periods_of,
    spaser_tree,
    spaser_years,
    values_by_scope,
)
from spaser.indicators.services import manual_value_save
from spaser.indicators.trajectories import PERIOD_RULE, STATUS_RULE
from spaser.referentiel.enums import IndicatorMode
from spaser.referentiel.models import Chantier, Indicator

logger = logging.getLogger(__name__)

MANUAL_ROLES = (Role.PILOT, Role.ADMIN)
DRILL_PAGE_SIZE = 100


def _year(request, spaser) -> int:
    years = spaser_years(spaser)
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        return default_year(spaser)
    return year if year in years else default_year(spaser)


def _selection(request, spaser) -> Period:
    """The year or the multi-year SPASER period (``annee=2023-2025``) chosen in the selector."""
    period = parse_period(request.GET.get("annee", ""), spaser_periods_of(spaser))
    return period if period is not None else Period(_year(request, spaser))


def _format(request):
    fmt = request.GET.get("format", "")
    return fmt if fmt in exports.FORMATS else None


def _fmt(value):
    return "" if value is None else round(value, 2)


def _status_label(status):
    return Status(status).label if status else "Sans cible"


def _common(spaser, year, selection=None):
    """The context every dashboard page shares. ``selection`` is given by the pages whose selector also offers
    the SPASER periods: ``year`` is then the selection's last year, ``annee`` what the links carry."""
    context = {
        "spaser": spaser,
        "year": year,
        "annee": year,
        "selection_label": year,
        "years": spaser_years(spaser) if spaser else [],
        "status_rule": STATUS_RULE,
        "status_css": STATUS_CSS,
    }
    if selection is not None:
        context.update(
            {
                "year": selection.last_year,
                "annee": selection.param,
                "selection": selection,
                "selection_label": period_option_label(selection, spaser),
                "period_options": [
                    (period.param, period_option_label(period, spaser)) for period in spaser_periods_of(spaser)
                ],
                "period_rule": PERIOD_RULE,
            }
        )
    return context


@role_required()
def overview_view(request):
    spaser = current_spaser(request.organisation)
    if spaser is None:
        return render(request, "indicators/overview.html", _common(None, None))
    selection = _selection(request, spaser)
    axes, transversal, states = spaser_tree(spaser, selection.last_year, period=selection)
    label = period_option_label(selection, spaser)
    fmt = _format(request)
    if fmt:
        rows = []
        for group in [*axes, *transversal]:
            themes = group.children if group in axes else [group]
            for theme in themes:
                for chantier in theme.children:
                    rows.append(
                        [
                            theme.obj.axis.code if theme.obj.axis_id else "Transversal",
                            f"{theme.obj.code}. {theme.obj.title}",
                            f"{chantier.obj.code} – {chantier.obj.title}",
                            _status_label(chantier.status),
                            chantier.progress,
                            len(chantier.states),
                        ]
                    )
        return exports.table_response(
            filename=f"tableau-de-bord-{spaser.code}-{selection.param}",
            fmt=fmt,
            headers=["Axe", "Thématique", "Chantier", f"Statut {label}", "Avancement (%)", "Indicateurs"],
            rows=rows,
        )
    counts = {status: 0 for status in Status}
    for state in states:
        if state.status:
            counts[state.status] += 1
    return render(
        request,
        "indicators/overview.html",
        {
            **_common(spaser, selection.last_year, selection),
            "axes": axes,
            "transversal": transversal,
            "counts": counts,
        },
    )


def _chantier_states(chantier, selection):
    indicators = list(chantier.indicators.prefetch_related("targets"))
    return indicator_states(indicators, chantier.spaser.organisation, selection.last_year, period=selection)


@role_required()
def chantier_view(request, pk):
    chantier = get_object_or_404(
        Chantier.objects.of_organisation(request.organisation).select_related("spaser", "theme__axis"), pk=pk
    )
    spaser = chantier.spaser
    selection = _selection(request, spaser)
    states = _chantier_states(chantier, selection)
    label = period_option_label(selection, spaser)
    fmt = _format(request)
    if fmt:
        rows = [
            [
                state.indicator.code,
                state.indicator.label,
                state.indicator.unit,
                _fmt(state.value),
                _fmt(state.expected),
                _fmt(state.target.value) if state.target else "",
                state.target.year if state.target else "",
                _status_label(state.status),
                "" if state.record_count is None else state.record_count,
            ]
            for state in states
        ]
        return exports.table_response(
            filename=f"chantier-{chantier.code}-{selection.param}",
            fmt=fmt,
            headers=[
                "Code",
                "Indicateur",
                "Unité",
                f"Valeur {label}",
                "Valeur attendue",
                "Cible",
                "Année cible",
                "Statut",
                "Enregistrements comptés",
            ],
            rows=rows,
        )
    from django.db.models import Q

    from spaser.indicators.trajectories import roll_up
    from spaser.strategies.models import PurchaseProject

    # Forms using a criterion or clause of the référentiel that serves this chantier.
    forms = list(
        PurchaseProject.objects.of_organisation(request.organisation)
        .filter(
            Q(award_criteria__source__chantier_code=chantier.code) | Q(clauses__source__chantier_code=chantier.code)
        )
        .distinct()
        .order_by("-updated_at")[:20]
    )
    return render(
        request,
        "indicators/chantier.html",
        {
            **_common(spaser, selection.last_year, selection),
            "chantier": chantier,
            "states": states,
            "status": roll_up([state.status for state in states]),
            "directions": list(chantier.directions.all()),
            "milestones": list(chantier.milestones.all()),
            "forms": forms,
            "can_enter": bool(request.roles & set(MANUAL_ROLES)),
        },
    )


def _indicator(request, pk):
    return get_object_or_404(
        Indicator.objects.of_organisation(request.organisation)
        .select_related("spaser", "chantier__theme__axis")
        .prefetch_related("targets"),
        pk=pk,
    )


def _scope_kind(request, definition):
    """The kind of scope asked for (``perimetre``) among those of the indicator, else None."""
    kind = request.GET.get("perimetre", "")
    return kind if definition is not None and kind in definition.scopes else None


def _scope_table(request, indicator, definition, year, periods):
    """The table by scope of the indicator page: the kind of scope and the period selected, and their values."""

    kind = _scope_kind(request, definition)
    period = parse_period(request.GET.get("periode", ""), periods) or Period(year)
    if kind is None:
        return {"scope_kind": None, "period": period, "scope_values": []}
    values = values_by_scope(indicator.spaser.organisation, definition.key, kind, period)
    return {
        "scope_kind": kind,
        "scope_kind_label": ScopeKind(kind).label,
        "period": period,
        "scope_values": values,
    }


def _scope_export(indicator, table, fmt):
    period = table["period"]
    return exports.table_response(
        filename=f"indicateur-{indicator.code}-{table['scope_kind']}-{period.param}",
        fmt=fmt,
        headers=[
            table["scope_kind_label"],
            "Code",
            f"Valeur {period.label} ({indicator.unit})",
            "Numérateur",
            "Dénominateur",
            "Enregistrements comptés",
            "Calculée le",
        ],
        rows=[
            [
                value.scope_label,
                value.scope_value,
                _fmt(value.value),
                _fmt(value.numerator),
                _fmt(value.denominator),
                value.record_count,
                value.computed_at,
            ]
            for value in table["scope_values"]
        ],
    )


@role_required()
def indicator_view(request, pk):
    indicator = _indicator(request, pk)
    spaser = indicator.spaser
    year = _year(request, spaser)
    [state] = indicator_states([indicator], spaser.organisation, year)
    years = spaser_years(spaser)
    if indicator.baseline_year and indicator.baseline_year < spaser.period_start:
        years = [indicator.baseline_year, *years]
    rows = state.rows(years)
    definition = state.definition if indicator.mode == IndicatorMode.COMPUTED else None
    periods = spaser_periods_of(spaser) if definition is not None and not definition.stock else []
    table = _scope_table(request, indicator, definition, year, periods)
    fmt = _format(request)
    if fmt and table["scope_kind"] and request.GET.get("tableau") == "perimetres":
        return _scope_export(indicator, table, fmt)
    if fmt:
        return exports.table_response(
            filename=f"indicateur-{indicator.code}",
            fmt=fmt,
            headers=[
                "Année",
                f"Valeur ({indicator.unit})",
                "Valeur attendue",
                "Cible en cours",
                "Statut",
                "Enregistrements comptés",
                "Calculée ou saisie le",
            ],
            rows=[
                [
                    row["year"],
                    _fmt(row["value"]),
                    _fmt(row["expected"]),
                    _fmt(row["target"].value) if row["target"] else "",
                    _status_label(row["status"]),
                    getattr(row["measure"].source, "record_count", "") if row["measure"] else "",
                    _measure_date(row["measure"]),
                ]
                for row in rows
            ],
        )
    history = []
    if indicator.mode == IndicatorMode.MANUAL:
        history = list(
            ManualValue.history.filter(indicator_id=indicator.pk)
            .select_related("history_user")
            .order_by("-history_date")
        )
    return render(
        request,
        "indicators/indicator.html",
        {
            **_common(spaser, year),
            "indicator": indicator,
            "state": state,
            "rows": rows,
            "definition": state.definition,
            "history": history,
            "periods": periods,
            "period_values": [
                (period, values)
                for period, values in (
                    (period, period_values(spaser.organisation, definition.key, periods).get(period.param))
                    for period in periods
                )
            ]
            if definition
            else [],
            "scope_choices": [(kind, ScopeKind(kind).label) for kind in definition.scopes] if definition else [],
            **table,
            "can_enter": indicator.mode == IndicatorMode.MANUAL and bool(request.roles & set(MANUAL_ROLES)),
            "chart_url": reverse("indicators:indicator_chart", args=[indicator.pk]),
        },
    )


def _measure_date(measure):
    if measure is None:
        return ""
    source = measure.source
    return getattr(source, "computed_at", None) or getattr(source, "updated_at", None)


@role_required()
def indicator_chart_view(request, pk):
    indicator = _indicator(request, pk)
    spaser = indicator.spaser
    [state] = indicator_states([indicator], spaser.organisation, spaser.period_end)
    years = spaser_years(spaser)
    if indicator.baseline_year and indicator.baseline_year < spaser.period_start:
        years = [indicator.baseline_year, *years]
    return JsonResponse(charts.trajectory_chart(state, years), json_dumps_params={"ensure_ascii": False})


CONTRACT_HEADERS = ["Identifiant", "Objet", "Notifié le", "Montant initial (€ HT)", "Compté au numérateur"]
FORM_HEADERS = ["Fiche", "Objet", "Validée le", "État", "Compté au numérateur"]


def _record_rows(source, records):
    if source == "contracts":
        for record in records:
            yield [record.external_id, record.object, record.notified_on, record.initial_amount, record.counted]
    elif source == "programme":
        for record in records:
            yield [record.pk, record.subject, record.planned_launch_date, record.estimated_amount, record.counted]
    else:
        for record in records:
            yield [record.pk, record.subject, record.validated_at, record.get_state_display(), record.counted]


def _record_urls(source, records):
    names = {"contracts": "contracts:detail", "forms": "strategies:project_detail"}
    name = names.get(source)
    return [reverse(name, args=[record.pk]) if name else None for record in records]


@role_required()
def drilldown_view(request, pk, year):
    indicator = _indicator(request, pk)
    spaser = indicator.spaser
    from spaser.indicators import registry

    definition = registry.get(indicator.computation_key) if indicator.mode == IndicatorMode.COMPUTED else None
    if definition is None or definition.denominator is None:
        raise Http404("Pas de détail pour cet indicateur.")
    organisation = spaser.organisation
    scope_kind = request.GET.get("perimetre", "")
    if scope_kind not in definition.scopes:
        scope_kind = ScopeKind.ORGANISATION
    scope_value = request.GET.get("valeur", "")[:50] if scope_kind != ScopeKind.ORGANISATION else ""
    period = parse_period(request.GET.get("periode", ""), spaser_periods_of(spaser))
    if period is not None and period.year != year:
        period = None
    last_year = period.last_year if period else None
    records = definition.records(
        organisation, year, scope_kind=scope_kind, scope_value=scope_value, last_year=last_year
    )
    if definition.source == "contracts":
        records = records.only("pk", "external_id", "object", "notified_on", "initial_amount").order_by(
            "notified_on", "pk"
        )
        headers = CONTRACT_HEADERS
    elif definition.source == "programme":
        headers = ["Ligne", "Objet", "Lancement prévu", "Montant estimé (€ HT)", "Compté"]
        records = records.order_by("planned_launch_date", "pk")
    else:
        records = records.order_by("validated_at", "pk")
        headers = FORM_HEADERS
    fmt = _format(request)
    if fmt:
        if definition.flags is not None:
            records = definition.mark(organisation, records)
        return exports.table_response(
            filename=f"detail-{indicator.code}-{period.param if period else year}",
            fmt=fmt,
            headers=headers,
            rows=_record_rows(definition.source, records),
        )
    page = Paginator(records, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = definition.mark(organisation, page.object_list)
    counted = sum(1 for record in page.object_list if record.counted)
    query = {"perimetre": scope_kind, "valeur": scope_value} if scope_kind != ScopeKind.ORGANISATION else {}
    if period:
        query["periode"] = period.param
    scope_label = ""
    if scope_kind != ScopeKind.ORGANISATION:
        from spaser.indicators.selectors import scope_label_map

        labels = scope_label_map(organisation, scope_kind, [scope_value])
        scope_label = f"{ScopeKind(scope_kind).label} : {labels.get(scope_value, scope_value)}"
    return render(
        request,
        "indicators/drilldown.html",
        {
            **_common(spaser, year),
            "indicator": indicator,
            "definition": definition,
            "page": page,
            "counted_on_page": counted,
            "headers": headers,
            "period": period,
            "scope_label": scope_label,
            "query": urlencode(query),
            "rows": list(
                zip(
                    _record_urls(definition.source, page.object_list),
                    _record_rows(definition.source, page.object_list),
                    strict=True,
                )
            ),
        },
    )


@role_required()
def direction_view(request):
    """The chantiers and forms of the directions the user belongs to."""
    from spaser.strategies.models import PurchaseProject

    spaser = current_spaser(request.organisation)
    directions = sorted(
        {membership.direction for membership in request.memberships if membership.direction_id is not None},
        key=lambda direction: direction.code,
    )
    selection = _selection(request, spaser) if spaser else None
    year = selection.last_year if selection else None
    chantiers = []
    states = {}
    if spaser and directions:
        from django.db.models import Q

        match = Q()
        for direction in directions:
            match |= Q(directions__name__icontains=direction.name) | Q(
                directions__name__icontains=f"({direction.code})"
            )
        chantiers = list(
            Chantier.objects.filter(spaser=spaser).filter(match).distinct().prefetch_related("indicators__targets")
        )
        indicators = [indicator for chantier in chantiers for indicator in chantier.indicators.all()]
        for state in indicator_states(indicators, spaser.organisation, year, period=selection):
            states.setdefault(state.indicator.chantier_id, []).append(state)
    from spaser.indicators.trajectories import roll_up

    rows = [
        (chantier, roll_up([s.status for s in states.get(chantier.pk, [])]), states.get(chantier.pk, []))
        for chantier in chantiers
    ]
    forms = []
    if directions:
        forms = list(
            PurchaseProject.objects.of_organisation(request.organisation)
            .filter(direction__in=directions)
            .select_related("direction")
            .order_by("-updated_at")[:50]
        )
    fmt = _format(request)
    if fmt:
        return exports.table_response(
            filename=f"ma-direction-{selection.param}" if selection else "ma-direction",
            fmt=fmt,
            headers=[
                "Chantier",
                "Intitulé",
                f"Statut {period_option_label(selection, spaser)}" if selection else "Statut",
                "Indicateurs",
            ],
            rows=[[c.code, c.title, _status_label(status), len(s)] for c, status, s in rows],
        )
    return render(
        request,
        "indicators/direction.html",
        {**_common(spaser, year, selection), "directions": directions, "rows": rows, "forms": forms},
    )


@role_required(*MANUAL_ROLES)
@require_http_methods(["GET", "POST"])
def manual_value_view(request, pk):
    indicator = _indicator(request, pk)
    if indicator.mode != IndicatorMode.MANUAL:
        raise Http404("Cet indicateur est calculé : il ne se saisit pas.")
    spaser = indicator.spaser
    try:
        initial_year = int(request.GET.get("annee", ""))
    except ValueError:
        initial_year = default_year(spaser)
    existing = {value.year: value for value in indicator.manual_values.all()}
    year_posted = request.POST.get("year", "")
    has_proof = (
        year_posted.isdigit()
        and int(year_posted) in existing
        and bool(existing[int(year_posted)].proof_file or existing[int(year_posted)].proof_link)
    )
    if request.method == "POST":
        form = ManualValueForm(request.POST, request.FILES, indicator=indicator, has_proof=has_proof)
        if form.is_valid():
            data = form.cleaned_data
            manual_value_save(
                indicator=indicator,
                year=data["year"],
                value=data["value"],
                comment=data["comment"],
                proof_file=data["proof_file"],
                proof_link=data["proof_link"],
                by=request.user,
            )
            messages.success(request, f"Valeur {data['year']} de l'indicateur {indicator.code} enregistrée.")
            return redirect(f"{reverse('indicators:indicator', args=[indicator.pk])}?annee={data['year']}")
    else:
        current = existing.get(initial_year)
        form = ManualValueForm(
            indicator=indicator,
            initial={
                "year": initial_year,
                "value": str(current.value).replace(".", ",") if current else "",
                "comment": current.comment if current else "",
                "proof_link": current.proof_link if current else "",
            },
        )
    return render(request, "indicators/manual_form.html", {"indicator": indicator, "form": form, "existing": existing})


@role_required()
def manual_proof_view(request, pk):
    manual = get_object_or_404(ManualValue.objects.of_organisation(request.organisation), pk=pk)
    if not manual.proof_file:
        raise Http404("Pas de fichier justificatif.")
    return FileResponse(
        manual.proof_file.open("rb"), as_attachment=True, filename=manual.proof_file.name.rsplit("/", 1)[-1]
    )


@role_required(*MANUAL_ROLES)
def manual_missing_view(request):
    missing = missing_manual_values(request.organisation)
    return render(request, "indicators/manual_missing.html", {"missing": missing})
