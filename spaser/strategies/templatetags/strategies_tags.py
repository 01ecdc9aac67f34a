"""Template helpers other apps' pages use to show what the strategies app knows about a published contract."""

from django import template

from spaser.strategies import selectors

register = template.Library()


@register.simple_tag
def link_corrections(project_link, contract) -> list:
    """The disagreements between a linked contract and its project's form (what the reconciliation report lists
    for it): the form's frozen snapshot against `contract` (the page's, already loaded): no query for a validated
    form."""
    if project_link is None:
        return []
    plans_social, plans_environmental = selectors.planned_considerations(project_link.project)
    return selectors.disagreement_corrections(
        plans_social=plans_social, plans_environmental=plans_environmental, contract=contract
    )
