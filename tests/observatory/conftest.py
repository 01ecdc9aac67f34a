from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache

from spaser.referentiel.enums import SpaserStatus
from spaser.referentiel.models import Target
from tests.accounts.factories import OrganisationFactory
from tests.referentiel.factories import ChantierFactory, IndicatorFactory, SpaserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Public pages are cached (in the process and in the cache) and the contact form counts posts in the cache:
    every test starts clean."""
    from spaser.observatory import page_cache

    cache.clear()
    page_cache.reset_for_tests()
    yield
    cache.clear()
    page_cache.reset_for_tests()


@pytest.fixture
def home():
    return OrganisationFactory(
        siret=settings.SPASER_ORGANISATION_SIRET, name="Région d'accueil", region=True, kind="region"
    )


@pytest.fixture
def spaser(home):
    return SpaserFactory(organisation=home, status=SpaserStatus.ADOPTED, title="SPASER adopté de test")


@pytest.fixture
def published_indicator(spaser):
    from spaser.observatory.models import PublishedIndicator

    indicator = IndicatorFactory(
        chantier=ChantierFactory(spaser=spaser, title="Chantier publié"),
        code="IND-PUB",
        label="Part des marchés avec clause sociale",
        baseline_value=Decimal("12"),
        baseline_year=2023,
    )
    Target.objects.create(indicator=indicator, year=2025, value=Decimal("20"))
    Target.objects.create(indicator=indicator, year=2027, value=Decimal("30"))
    PublishedIndicator.objects.create(indicator=indicator, is_public=True)
    return indicator


@pytest.fixture
def private_indicator(spaser):
    return IndicatorFactory(
        chantier=ChantierFactory(spaser=spaser, title="Chantier discret"),
        code="IND-SECRET",
        label="Indicateur confidentiel zorglub",
    )


@pytest.fixture
def open_data(settings):
    """The administrator has opened the open-data datasets (config/settings: SPASER_OPEN_DATA_PUBLISH)."""
    settings.SPASER_OPEN_DATA_PUBLISH = True
