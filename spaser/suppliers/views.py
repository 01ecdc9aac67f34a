from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from spaser.contracts.models import Contract
from spaser.core.decorators import role_required
from spaser.suppliers.enums import HEADCOUNT_BANDS
from spaser.suppliers.models import Supplier


@require_GET
@role_required()
def supplier_list_view(request):
    q = request.GET.get("q", "").strip()
    suppliers = Supplier.objects.visible_to(request.user).annotate(
        contract_count=Count("holdings__contract", distinct=True)
    )
    if q:
        suppliers = suppliers.filter(Q(name__icontains=q) | Q(siren=q.replace(" ", "")) | Q(identifier=q))
    page = Paginator(suppliers.order_by("-contract_count", "name", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "suppliers/supplier_list.html", {"page": page, "q": q, "query": f"q={q}" if q else ""})


@require_GET
@role_required()
def supplier_detail_view(request, pk):
    supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=pk)
    contracts = (
        Contract.objects.visible_to(request.user)
        .filter(holders__supplier=supplier)
        .distinct()
        .select_related("buyer")
        .order_by("-notified_on", "-pk")
    )
    page = Paginator(contracts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "suppliers/supplier_detail.html",
        {
            "supplier": supplier,
            "establishments": supplier.establishments.select_related("commune__departement").order_by("siret"),
            "headcount_label": HEADCOUNT_BANDS.get(supplier.headcount_band, ""),
            "page": page,
            "query": "",
        },
    )
