import datetime
from decimal import Decimal

import factory

from spaser.referentiel.enums import ContractNature
from spaser.strategies.enums import ClauseDimension, CriterionKind, ProjectState
from spaser.strategies.models import AwardCriterion, Clause, Lot, ProgrammeEntry, PurchaseProject
from tests.accounts.factories import OrganisationFactory


class PurchaseProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseProject
        skip_postgeneration_save = True

    class Params:
        submitted = factory.Trait(state=ProjectState.SUBMITTED)
        in_review = factory.Trait(state=ProjectState.ENVIRONMENT_REVIEW)
        changes_requested = factory.Trait(state=ProjectState.CHANGES_REQUESTED)
        validated = factory.Trait(
            state=ProjectState.VALIDATED,
            validated_at=factory.LazyFunction(lambda: datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)),
            snapshot=factory.LazyFunction(lambda: {"format": 1}),
        )
        compliant = factory.Trait(insertion_clause=True, insertion_hours=Decimal(100), allotment_reason="Indivisible")

    organisation = factory.SubFactory(OrganisationFactory)
    subject = factory.Sequence(lambda n: f"Projet d'achat {n}")
    nature = ContractNature.SERVICES
    estimated_amount = Decimal(100000)
    duration_months = 24
    planned_launch_date = datetime.date(2026, 9, 1)

    @factory.post_generation
    def compliant_rows(obj, create, extracted, **kwargs):
        """compliant=True also adds criteria summing to 100 % (env 15 %) and an environmental execution clause."""
        if create and obj.insertion_clause and obj.allotment_reason == "Indivisible":
            add_compliant_rows(obj)


def add_compliant_rows(project):
    AwardCriterion.objects.create(project=project, label="Prix", kind=CriterionKind.PRICE, weight=50, position=0)
    AwardCriterion.objects.create(
        project=project, label="Technique", kind=CriterionKind.TECHNICAL, weight=35, position=1
    )
    AwardCriterion.objects.create(
        project=project, label="Environnement", kind=CriterionKind.ENVIRONMENTAL, weight=15, position=2
    )
    Clause.objects.create(project=project, label="Déchets", dimension=ClauseDimension.ENVIRONMENTAL)


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    project = factory.SubFactory(PurchaseProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lot {n}")
    estimated_amount = Decimal(10000)


class ProgrammeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeEntry

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    subject = factory.Sequence(lambda n: f"Achat programmé {n}")
    estimated_amount = Decimal(80000)
    nature = ContractNature.SERVICES
    planned_quarter = 3
