import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from spaser.accounts.enums import Role
from spaser.geo.models import Departement, Region
from spaser.suppliers.enums import CompanyCategory
from tests.contracts.factories import ContractFactory, ContractHolderFactory, SupplierFactory


@pytest.fixture
def reader(client, member_of):
    client.force_login(member_of(Role.READER))
    return client


def listed(response):
    return [contract.external_id for contract in response.context["page"].object_list]


def test_list_query_count_does_not_grow_with_rows(reader, django_assert_max_num_queries):
    for _ in range(30):
        ContractHolderFactory(contract=ContractFactory())
    with django_assert_max_num_queries(12):
        response = reader.get(reverse("contracts:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 30
    assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "toiture"}, ["A"]),
        ({"q": "Bâtisseurs"}, ["B"]),
        ({"year": "2019"}, ["B"]),
        ({"procedure": "open_tender"}, ["B"]),
        ({"considerations": "social"}, ["A"]),
        ({"considerations": "environmental"}, ["B"]),
        ({"considerations": "unpublished"}, ["C"]),
        ({"holder_category": "tpe"}, ["B"]),
        ({"holder_category": "unknown"}, ["A"]),
        ({"buyer": "Région"}, ["A"]),
    ],
)
def test_list_filters(reader, params, expected):
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    loiret = Departement.objects.create(code="45", name="Loiret", region=region)
    a = ContractFactory(external_id="A", object="Réfection de la toiture", social=True, place_departement=loiret)
    a.buyer.name = "Région Centre"
    a.buyer.save()
    b = ContractFactory(external_id="B", notified_on="2019-05-01", procedure="open_tender", environmental=True)
    ContractFactory(external_id="C")
    ContractHolderFactory(contract=a, supplier=SupplierFactory(foreign=True, identifier="GB9"))
    ContractHolderFactory(contract=b, supplier=SupplierFactory(name="Les Bâtisseurs", category=CompanyCategory.TPE))
    response = reader.get(reverse("contracts:list"), params)
    assert sorted(listed(response)) == expected
    if params.get("q") == "toiture":
        assert sorted(listed(reader.get(reverse("contracts:list"), {"departement": loiret.pk}))) == ["A"]


def test_exports_follow_the_filters(reader):
    ContractFactory(external_id="A", object="Toiture", current_amount=Decimal("1234.50"), social=True)
    ContractFactory(external_id="B", object="Voirie")
    response = reader.get(reverse("contracts:export_csv"), {"q": "Toiture"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["id"] for row in rows] == ["A"]
    assert rows[0]["montant_actuel"] == "1234.50"
    assert rows[0]["considerations_sociales"] == "Clause sociale"
    response = reader.get(reverse("contracts:export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0].startswith("Identifiant unique") and len(values) == 3


def test_detail_shows_holders_modifications_and_origin(reader):
    contract = ContractFactory(
        object="Entretien", social=True, raw=json.dumps({"objet": "Entretien", "extra": "conservé"})
    )
    ContractHolderFactory(contract=contract, supplier=SupplierFactory(name="Jardins & Cie"))
    contract.modifications.create(rank=1, number=1, amount=Decimal("5000"), published_on="2024-06-01")
    response = reader.get(reverse("contracts:detail", args=[contract.pk]))
    html = response.content.decode()
    assert "Jardins &amp; Cie" in html
    assert "Clause sociale" in html
    assert "conservé" in html  # the original publication is kept whole
    assert response.context["modifications"][0].amount == Decimal("5000")
    assert "non rattachée" in html  # no purchase family for this CPV
    assert "INVALID_TEMPLATE_VARIABLE" not in html
