import pytest


@pytest.fixture
def region(organisation):
    """The organisation named by the default SPASER file, with the default référentiels loaded."""
    from django.conf import settings

    from spaser.referentiel import services

    organisation.siret = settings.SPASER_ORGANISATION_SIRET
    organisation.name = "Région Centre-Val de Loire"
    organisation.region_code = "24"
    organisation.save()
    services.referentiel_defaults_ensure(organisation=organisation)
    return organisation
