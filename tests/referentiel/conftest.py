from pathlib import Path

import pytest

from spaser.referentiel import services

SHARED_DATA = Path(__file__).resolve().parents[2] / "../shared/data"


@pytest.fixture
def region(organisation):
    """The organisation named by the default SPASER file (the Région's SIRET)."""
    from django.conf import settings

    organisation.siret = settings.SPASER_ORGANISATION_SIRET
    organisation.name = "Région Centre-Val de Loire"
    organisation.save()
    return organisation


@pytest.fixture
def defaults_loaded(region):
    services.referentiel_defaults_ensure(organisation=region)
    return region


@pytest.fixture
def other_region():
    from tests.accounts.factories import OrganisationFactory

    return OrganisationFactory(name="Autre région")
