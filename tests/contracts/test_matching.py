import datetime as dt
from decimal import Decimal

from spaser.contracts.matching import consideration_disagreements, contract_match_candidates, object_similarity
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory


def test_object_similarity_ignores_case_accents_and_filler_words():
    assert object_similarity("Entretien des ESPACES VERTS", "entretien espaces verts – lot 2") == 1.0
    assert object_similarity("Nettoyage des locaux", "Maintenance ascenseurs") == 0.0


def test_candidates_of_the_same_buyer_ranked_by_object_amount_and_date():
    buyer = OrganisationFactory()
    good = ContractFactory(
        buyer=buyer,
        object="Entretien des espaces verts des lycées",
        current_amount=Decimal("95000"),
        notified_on=dt.date(2024, 4, 1),
    )
    ContractFactory(buyer=buyer, object="Entretien des espaces verts", current_amount=Decimal("900000"))
    ContractFactory(buyer=buyer, object="Restauration scolaire", current_amount=Decimal("100000"))
    ContractFactory(object="Entretien des espaces verts des lycées", current_amount=Decimal("100000"))  # other buyer
    candidates = contract_match_candidates(
        organisation=buyer,
        subject="Espaces verts des lycées : entretien",
        estimated_amount=Decimal("100000"),
        planned_date=dt.date(2024, 3, 1),
    )
    assert [c.contract for c in candidates] == [good]
    assert "objet proche (100 %)" in candidates[0].reasons


def test_disagreements_both_ways():
    contract = ContractFactory(considerations_published=True, social_none=True, environmental_criterion=True)
    messages = consideration_disagreements(plans_social=True, plans_environmental=False, contract=contract)
    assert len(messages) == 2
    assert "Pas de considération sociale" in messages[0]
    assert "Critère environnemental" in messages[1]
    assert consideration_disagreements(plans_social=False, plans_environmental=True, contract=contract) == []
    unpublished = ContractFactory(considerations_published=False)
    assert consideration_disagreements(plans_social=True, plans_environmental=True, contract=unpublished) == []
