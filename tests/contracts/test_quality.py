"""Data-quality pages of a buyer: counts per anomaly equal to an independent count, the contracts behind each
count, the CSV export, the contract page's anomalies and other publications."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.contracts.models import Contract, ContractPublication
from tests.accounts.factories import OrganisationFactory
from tests.contracts.factories import ContractFactory

ANOMALIES = [
    ["montant_nul:montant"],
    ["montant_nul:montant", "montant_nul:modification.montant"],
    ["montant_aberrant_ignore:montant", "date_jj_mm_aaaa:dateNotification"],
    ["montant_aberrant:montant"],
    # A published value that looks like another anomaly must not count for it.
    ['valeur_inconnue:procedure:Procédure "montant_nul:x", autre'],
    ["cpv_corrige:codeCPV:1110000", "sans_titulaire"],
    ["doublon_divergent:objet,dateNotification"],
    [],
]


@pytest.fixture
def reader(client, member_of):
    user = member_of(Role.READER)
    client.force_login(user)
    client.organisation = user.memberships.get().organisation
    return client


@pytest.fixture
def contracts(reader):
    buyer = reader.organisation
    made = [ContractFactory(buyer=buyer, anomalies=found) for found in ANOMALIES for _ in range(2)]
    ContractFactory(anomalies=["montant_nul:montant"])  # another buyer
    divergent = [c for c in made if c.anomalies and c.anomalies[0].startswith("doublon_divergent")]
    for contract in divergent:
        ContractPublication.objects.create(
            contract=contract,
            content_hash="0" * 32,
            source="marches-publics.info",
            source_file="ancien.json",
            published_on=dt.date(2023, 6, 26),
            object="Autre marché publié sous le même identifiant",
            notified_on=dt.date(2023, 6, 22),
            holders=[["SIRET", "82747808200023", ""]],
            differences=["objet", "dateNotification"],
            raw='{"id": "x", "objet": "Autre march\\u00e9"}',
        )
    return made


def independent_counts(buyer):
    """Contracts per code, counted in Python over every contract of the buyer."""
    counts = {}
    for found in Contract.objects.filter(buyer=buyer).values_list("anomalies", flat=True):
        for code in {text.split(":", 1)[0] for text in found}:
            counts[code] = counts.get(code, 0) + 1
    return counts


def test_counts_equal_an_independent_count_and_each_list_holds_them(reader, contracts):
    response = reader.get(reverse("contracts:quality"))
    assert response.status_code == 200
    shown = {count.kind.code: count.contracts for count in response.context["counts"]}
    expected = independent_counts(reader.organisation)
    assert shown == expected
    assert expected["montant_nul"] == 4 and expected["montant_aberrant"] == 2
    assert response.context["total"] == 16 and response.context["with_anomalies"] == 14
    html = response.content.decode()
    assert "Montant nul" in html and "montant_nul" not in html.replace("/montant_nul/", "")
    for code, number in expected.items():
        listed = reader.get(reverse("contracts:quality_anomaly", args=[code]))
        assert listed.context["page"].paginator.count == number, code
        assert {c.buyer_id for c, _ in listed.context["rows"]} == {reader.organisation.pk}


def test_occurrences_count_every_field(reader, contracts):
    response = reader.get(reverse("contracts:quality"))
    counts = {count.kind.code: count for count in response.context["counts"]}
    assert (counts["montant_nul"].contracts, counts["montant_nul"].occurrences) == (4, 6)


def test_list_shows_field_and_original_value(reader, contracts):
    response = reader.get(reverse("contracts:quality_anomaly", args=["cpv_corrige"]))
    html = response.content.decode()
    assert "Code CPV corrigé" in html and "code CPV" in html and "« 1110000 »" in html
    assert "INVALID_TEMPLATE_VARIABLE" not in html


def test_divergent_duplicates_list_the_other_publications(reader, contracts):
    response = reader.get(reverse("contracts:quality_anomaly", args=["doublon_divergent"]))
    html = response.content.decode()
    assert response.context["page"].paginator.count == 2
    assert "Autre marché publié sous le même identifiant" in html
    assert "marches-publics.info" in html and "objet, date de notification" in html
    assert "Publication affichée : 05/03/2024, sources test" in html  # the one the contract shows


def test_another_buyer_by_siret_and_unknown_siret(reader, contracts):
    other = Contract.objects.exclude(buyer=reader.organisation).get().buyer
    response = reader.get(reverse("contracts:quality"), {"acheteur": other.siret})
    assert {count.kind.code: count.contracts for count in response.context["counts"]} == {"montant_nul": 1}
    unknown = OrganisationFactory.build().siret
    response = reader.get(reverse("contracts:quality"), {"acheteur": unknown})
    assert response.context["buyer"] is None
    assert response.context["form"].errors["acheteur"] == ["Aucun acheteur n'est connu avec ce SIRET."]
    assert "Aucun acheteur n&#x27;est connu avec ce SIRET." in response.content.decode()
    response = reader.get(reverse("contracts:quality"), {"acheteur": "123"})
    assert "14 chiffres" in response.content.decode()
    assert reader.get(reverse("contracts:quality_export"), {"acheteur": "123"}).status_code == 404


def test_query_counts_do_not_grow_with_rows(reader, contracts, django_assert_max_num_queries):
    for _ in range(30):
        contract = ContractFactory(buyer=reader.organisation, anomalies=["doublon_divergent:objet"])
        ContractPublication.objects.create(contract=contract, content_hash="1" * 32, differences=["objet"], raw="{}")
    with django_assert_max_num_queries(10):
        response = reader.get(reverse("contracts:quality"))
    assert response.status_code == 200
    with django_assert_max_num_queries(11):
        response = reader.get(reverse("contracts:quality_anomaly", args=["doublon_divergent"]))
    assert len(response.context["rows"]) == 32
    with django_assert_max_num_queries(11):
        response = reader.get(reverse("contracts:quality_anomaly", args=["montant_nul"]))
    assert len(response.context["rows"]) == 4


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:])))


def test_csv_export_one_line_per_anomaly(reader, contracts):
    rows = read_csv(reader.get(reverse("contracts:quality_export")))
    expected = sum(len(found) for found in ANOMALIES) * 2
    assert len(rows) == expected
    assert set(rows[0]) >= {"acheteur_siret", "id", "objet", "anomalie", "champ", "valeur_publiee"}
    rows = read_csv(reader.get(reverse("contracts:quality_export"), {"anomalie": "montant_nul"}))
    assert len(rows) == 6
    assert {row["anomalie"] for row in rows} == {"Montant nul"}
    assert {row["champ"] for row in rows} == {"montant", "modification › montant"}
    rows = read_csv(reader.get(reverse("contracts:quality_export"), {"anomalie": "doublon_divergent"}))
    assert len(rows) == 2 and "marches-publics.info" in rows[0]["autres_publications"]
    assert rows[0]["champ"] == "objet, date de notification"


def test_contract_detail_shows_labelled_anomalies_and_other_publications(reader, contracts):
    contract = next(c for c in contracts if c.anomalies == ANOMALIES[4])
    html = reader.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Libellé non reconnu" in html and "procédure" in html
    assert "valeur_inconnue" not in html
    divergent = next(c for c in contracts if c.anomalies == ANOMALIES[6])
    html = reader.get(reverse("contracts:detail", args=[divergent.pk])).content.decode()
    assert "Même identifiant publié pour deux contrats différents" in html
    assert "Autre marché publié sous le même identifiant" in html and "SIRET 82747808200023" in html
    assert reverse("contracts:quality") + f"?acheteur={divergent.buyer_siret}" in html
    assert "INVALID_TEMPLATE_VARIABLE" not in html


def test_the_contract_list_links_to_the_quality_page(reader):
    html = reader.get(reverse("contracts:list")).content.decode()
    assert f'href="{reverse("contracts:quality")}"' in html
