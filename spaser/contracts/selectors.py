"""Reads on contracts shared by the list, the exports and other apps."""

from django.db.models import Exists, OuterRef, Prefetch, Q

from spaser.contracts.models import ContractHolder
from spaser.suppliers.enums import CompanyCategory


def family_choices() -> list[tuple[str, str]]:
    """Purchase families of the référentiel, in tree order."""
    from spaser.referentiel.selectors import family_choices as referentiel_families

    return [(str(family.pk), family.label) for family in referentiel_families()]


def contracts_filtered(queryset, data: dict):
    """Applies the cleaned data of ContractFilterForm."""
    if q := (data.get("q") or "").strip():
        holder_match = ContractHolder.objects.filter(contract=OuterRef("pk")).filter(
            Q(name__icontains=q) | Q(supplier__name__icontains=q) | Q(identifier=q)
        )
        queryset = queryset.filter(Q(object__icontains=q) | Q(external_id__iexact=q) | Exists(holder_match))
    if buyer := (data.get("buyer") or "").strip():
        digits = buyer.replace(" ", "")
        queryset = (
            queryset.filter(buyer_siret=digits) if digits.isdigit() else queryset.filter(buyer__name__icontains=buyer)
        )
    if year := data.get("year"):
        queryset = queryset.filter(notified_on__year=year)
    if family := data.get("family"):
        # A family and its sub-families.
        queryset = queryset.filter(Q(family_id=family) | Q(family__parent_id=family))
    if procedure := data.get("procedure"):
        queryset = queryset.filter(procedure=procedure)
    considerations = data.get("considerations")
    social = Q(social_clause=True) | Q(social_criterion=True) | Q(social_reserved=True)
    environmental = Q(environmental_clause=True) | Q(environmental_criterion=True)
    if considerations == "social":
        queryset = queryset.filter(social)
    elif considerations == "environmental":
        queryset = queryset.filter(environmental)
    elif considerations == "both":
        queryset = queryset.filter(social).filter(environmental)
    elif considerations == "none":
        queryset = queryset.filter(considerations_published=True).exclude(social).exclude(environmental)
    elif considerations == "unpublished":
        queryset = queryset.filter(considerations_published=False)
    if category := data.get("holder_category"):
        current = ContractHolder.objects.filter(contract=OuterRef("pk"), is_current=True)
        if category == "unknown":
            current = current.filter(supplier__category="")
        elif category in CompanyCategory.values:
            current = current.filter(supplier__category=category)
        queryset = queryset.filter(Exists(current))
    if departement := data.get("departement"):
        queryset = queryset.filter(place_departement=departement)
    return queryset


def with_list_relations(queryset):
    return queryset.select_related("buyer", "place_departement", "family").prefetch_related(
        Prefetch(
            "holders",
            queryset=ContractHolder.objects.filter(is_current=True).select_related("supplier").order_by("rank"),
            to_attr="current_holders",
        )
    )
