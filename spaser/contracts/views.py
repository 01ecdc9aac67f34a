import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from spaser.accounts.models import Organisation
from spaser.contracts import anomalies, duplicates, exports, quality, selectors
from spaser.contracts.forms import ContractFilterForm, QualityBuyerForm
from spaser.contracts.models import Contract
from spaser.core.decorators import role_required

PAGE_SIZE = 50


def _filtered(request):
    form = ContractFilterForm(request.GET or None, families=selectors.family_choices())
    queryset = Contract.objects.visible_to(request.user)
    if form.is_bound and form.is_valid():
        queryset = selectors.contracts_filtered(queryset, form.cleaned_data)
    return form, queryset


@require_GET
@role_required()
def contract_list_view(request):
    form, queryset = _filtered(request)
    page = Paginator(selectors.with_list_relations(queryset.order_by("-notified_on", "-pk")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contracts/contract_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@role_required()
def contract_export_view(request, fmt):
    _, queryset = _filtered(request)
    contracts = selectors.with_list_relations(queryset.order_by("-notified_on", "-pk")).iterator(chunk_size=2000)
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_rows(contracts), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="contrats.csv"'
        return response
    response = HttpResponse(
        exports.xlsx_bytes(contracts),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="contrats.xlsx"'
    return response


@require_GET
@role_required()
def contract_detail_view(request, pk):
    contract = get_object_or_404(
        Contract.objects.visible_to(request.user).select_related(
            "buyer", "family", "place_commune", "place_departement", "place_region", "import_run"
        ),
        pk=pk,
    )
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "holders": contract.holders.select_related("supplier", "establishment").order_by("rank"),
            "modifications": contract.modifications.order_by("rank"),
            "raw_json": json.dumps(contract.raw_data, ensure_ascii=False, indent=2),
            "anomalies": [anomalies.parse(text) for text in contract.anomalies],
            "other_publications": contract.other_publications.order_by("-published_on", "pk"),
            "project_link": _project_link(request, contract),
        },
    )


def _project_link(request, contract):
    """The purchase project this contract answers, for members of the organisation that owns the project."""
    from spaser.strategies.models import ProjectContract

    if request.organisation is None:
        return None
    return (
        ProjectContract.objects.filter(contract=contract, project__organisation=request.organisation)
        .select_related("project")
        .first()
    )


def _quality_buyer(request):
    """(buyer form, buyer, the buyer's contracts): the buyer asked for (``acheteur``, a SIRET), or else the
    user's organisation."""
    data = request.GET if "acheteur" in request.GET else {"acheteur": request.organisation.siret}
    form = QualityBuyerForm(data)
    buyer = None
    if form.is_valid():
        buyer = Organisation.objects.filter(siret=form.cleaned_data["acheteur"]).first()
        if buyer is None:
            form.add_error("acheteur", "Aucun acheteur n'est connu avec ce SIRET.")
    if buyer is None:
        return form, None, Contract.objects.none()
    return form, buyer, Contract.objects.visible_to(request.user).filter(buyer_siret=buyer.siret)


@require_GET
@role_required()
def quality_view(request):
    """Data quality of a buyer's contracts: how many carry each anomaly, each count linking to them."""
    form, buyer, contracts = _quality_buyer(request)
    counts = quality.anomaly_counts(contracts) if buyer else []
    return render(
        request,
        "contracts/quality.html",
        {
            "form": form,
            "buyer": buyer,
            "counts": counts,
            "total": contracts.count() if buyer else 0,
            "with_anomalies": contracts.exclude(anomalies=[]).count() if buyer else 0,
        },
    )


@require_GET
@role_required()
def quality_anomaly_view(request, code):
    """The contracts of a buyer behind one anomaly count, with the field and the value published."""
    if not quality.CODE.fullmatch(code):
        raise Http404
    form, buyer, contracts = _quality_buyer(request)
    queryset = quality.with_anomaly(contracts, code).defer("raw").order_by("-notified_on", "-pk")
    divergent = code == duplicates.ANOMALY
    if divergent:
        queryset = quality.with_other_publications(queryset)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/quality_anomaly.html",
        {
            "form": form,
            "buyer": buyer,
            "kind": anomalies.kind_of(code),
            "divergent": divergent,
            "page": page,
            "rows": [(contract, quality.matching(contract, code)) for contract in page.object_list],
            "query": f"acheteur={buyer.siret}" if buyer else "",
        },
    )


@require_GET
@role_required()
def quality_export_view(request):
    """CSV of the anomalies of a buyer's contracts (one line per anomaly), of one code with ``anomalie``."""
    form, buyer, contracts = _quality_buyer(request)
    if buyer is None:
        raise Http404
    code = request.GET.get("anomalie", "")
    queryset = quality.with_anomaly(contracts, code) if code else contracts.exclude(anomalies=[])
    queryset = quality.with_other_publications(queryset.defer("raw").order_by("-notified_on", "-pk"))
    pairs = (
        (contract, anomaly)
        for contract in queryset.iterator(chunk_size=2000)
        for anomaly in map(anomalies.parse, contract.anomalies)
        if not code or anomaly.code == code
    )
    response = StreamingHttpResponse(exports.anomaly_csv_rows(pairs), content_type="text/csv; charset=utf-8")
    name = f"qualite-{buyer.siret}{'-' + code if code else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
