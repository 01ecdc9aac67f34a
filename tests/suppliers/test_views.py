from django.urls import reverse

from spaser.accounts.enums import Role
from tests.contracts.factories import ContractFactory, ContractHolderFactory, SupplierFactory


def test_supplier_page_lists_its_contracts(client, member_of):
    client.force_login(member_of(Role.BUYER))
    supplier = SupplierFactory(name="Entreprise Dupont")
    mine = ContractFactory(object="Peinture des écoles")
    ContractHolderFactory(contract=mine, supplier=supplier)
    ContractFactory(object="Autre marché")
    response = client.get(reverse("suppliers:detail", args=[supplier.pk]))
    assert [c.pk for c in response.context["page"].object_list] == [mine.pk]
    assert "Peinture des écoles" in response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode()


def test_supplier_list_search_and_query_count(client, member_of, django_assert_max_num_queries):
    client.force_login(member_of(Role.READER))
    for index in range(20):
        ContractHolderFactory(supplier=SupplierFactory(name=f"Société {index}"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("suppliers:list"))
    assert response.context["page"].paginator.count == 20
    response = client.get(reverse("suppliers:list"), {"q": "Société 7"})
    assert [s.name for s in response.context["page"].object_list] == ["Société 7"]
