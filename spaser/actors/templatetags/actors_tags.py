from django import template

from spaser.actors.recommendation import potential_suppliers

register = template.Library()


@register.inclusion_tag("actors/_potential_suppliers.html")
def potential_suppliers_panel(family_code, commune_code, radius_km=None):
    """{% potential_suppliers_panel project.family.code project.commune.code %} on a purchase-project page."""
    return {
        "potential": potential_suppliers(
            family_code=family_code or "", commune_code=commune_code or "", radius_km=radius_km
        )
    }
