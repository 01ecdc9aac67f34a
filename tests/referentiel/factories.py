import factory

from spaser.referentiel.enums import (
    ChantierStatus,
    Dimension,
    IndicatorMode,
    ItemKind,
    LegalStatus,
    Nature,
    Obligation,
)
from spaser.referentiel.models import Axis, Chantier, Criterion, Family, Indicator, Spaser, Theme
from tests.accounts.factories import OrganisationFactory


class SpaserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spaser

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"SPASER-{n}")
    title = "Schéma de test"
    period_start = 2023
    period_end = 2027
    version = "1"


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    spaser = factory.SubFactory(SpaserFactory)
    code = factory.Sequence(lambda n: f"AX{n}")
    title = factory.Sequence(lambda n: f"Axe {n}")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    spaser = factory.SubFactory(SpaserFactory)
    axis = factory.SubFactory(AxisFactory, spaser=factory.SelfAttribute("..spaser"))
    code = factory.Sequence(lambda n: f"TH{n}")
    title = factory.Sequence(lambda n: f"Thématique {n}")


class ChantierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chantier

    class Params:
        organisation = None

    spaser = factory.LazyAttribute(
        lambda o: SpaserFactory(organisation=o.organisation) if o.organisation else SpaserFactory()
    )
    theme = factory.SubFactory(ThemeFactory, spaser=factory.SelfAttribute("..spaser"))
    code = factory.Sequence(lambda n: f"CH-{n}")
    title = factory.Sequence(lambda n: f"Chantier {n}")
    status = ChantierStatus.IN_PROGRESS


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    chantier = factory.SubFactory(ChantierFactory)
    spaser = factory.SelfAttribute("chantier.spaser")
    code = factory.Sequence(lambda n: f"IND-{n}")
    label = factory.Sequence(lambda n: f"Indicateur {n}")
    unit = "%"
    mode = IndicatorMode.MANUAL


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    code = factory.Sequence(lambda n: f"FAM-{n}")
    label = factory.Sequence(lambda n: f"Famille {n}")
    nature = Nature.SERVICES


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CRIT-{n}")
    title = factory.Sequence(lambda n: f"Critère {n}")
    kind = ItemKind.EXECUTION_CLAUSE
    dimension = Dimension.ENVIRONMENTAL
    obligation = Obligation.OPTIONAL
    legal_status = LegalStatus.VERIFIED
    wording = "Le titulaire s'engage à…"

    @factory.post_generation
    def families(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.families.set(extracted)
