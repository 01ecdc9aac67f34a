import json

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from spaser.contracts import exports, selectors
from spaser.contracts.forms import ContractFilterForm
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
