import datetime as dt
import json
from decimal import Decimal

import factory

from spaser.contracts import enums
from spaser.contracts.models import Contract, ContractHolder
from spaser.suppliers.models import Supplier
from tests.accounts.factories import OrganisationFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    class Params:
        foreign = factory.Trait(
            siren=None, identifier_type="HORS-UE", key=factory.LazyAttribute(lambda o: f"HORS-UE:{o.identifier}")
        )

    siren = factory.Sequence(lambda n: f"{100000000 + n}")
    key = factory.LazyAttribute(lambda o: o.siren)
    identifier_type = enums.IdentifierType.SIRET
    identifier = factory.LazyAttribute(lambda o: o.siren or "GB1")
    name = factory.Sequence(lambda n: f"Entreprise {n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    class Params:
        social = factory.Trait(considerations_published=True, social_clause=True, environmental_none=True)
        environmental = factory.Trait(considerations_published=True, social_none=True, environmental_criterion=True)

    kind = enums.ContractKind.MARKET
    buyer = factory.SubFactory(OrganisationFactory)
    buyer_siret = factory.LazyAttribute(lambda o: o.buyer.siret)
    external_id = factory.Sequence(lambda n: f"2024-{n:05d}")
    nature = enums.Nature.MARKET
    object = factory.Sequence(lambda n: f"Marché de travaux n° {n}")
    cpv = "45000000"
    cpv_division = "45"
    procedure = enums.Procedure.ADAPTED
    notified_on = dt.date(2024, 3, 1)
    published_on = dt.date(2024, 3, 5)
    last_published_on = dt.date(2024, 3, 5)
    initial_amount = Decimal("100000.00")
    current_amount = Decimal("100000.00")
    format_version = "2024"
    sources = factory.LazyFunction(lambda: ["test"])
    source_file = "test.json"
    content_hash = factory.Sequence(lambda n: f"{n:032x}")
    raw = factory.LazyFunction(lambda: json.dumps({"id": "x"}))


class ContractHolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractHolder

    contract = factory.SubFactory(ContractFactory)
    rank = factory.Sequence(lambda n: n + 1)
    supplier = factory.SubFactory(SupplierFactory)
    identifier_type = factory.LazyAttribute(lambda o: o.supplier.identifier_type)
    identifier = factory.LazyAttribute(lambda o: o.supplier.identifier)
    name = ""
