import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from spaser.indicators.models import IndicatorValue, ManualValue
from tests.referentiel.factories import IndicatorFactory


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    key = "contracts.pnad_environmental_share"
    year = 2024
    value = Decimal("42.5")
    numerator = Decimal(17)
    denominator = Decimal(40)
    record_count = 40
    computed_at = factory.LazyFunction(timezone.now)


class ManualValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManualValue

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2024
    value = Decimal(12)
    proof_link = "https://example.org/bilan.pdf"


def aware(year, month=6, day=1):
    return dt.datetime(year, month, day, tzinfo=dt.UTC)
