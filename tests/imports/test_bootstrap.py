import io

from django.apps import apps

from spaser.contracts.models import Contract
from spaser.geo.models import Commune
from spaser.imports.models import ImportRun


def test_bootstrap_imports_the_embedded_real_files_once():
    out = io.StringIO()
    apps.get_app_config("geo").bootstrap(stdout=out, demo=False)
    apps.get_app_config("imports").bootstrap(stdout=out, demo=False)
    assert Commune.objects.count() == 35015
    assert ImportRun.objects.filter(status="succeeded").count() == 8
    region_contracts = Contract.objects.filter(buyer_siret="23450002300028")
    assert region_contracts.count() == 7
    assert region_contracts.filter(place_region__code="24").exists()
    count = Contract.objects.count()
    # Idempotent: a second bootstrap changes nothing and journals nothing new.
    apps.get_app_config("geo").bootstrap(stdout=out, demo=False)
    apps.get_app_config("imports").bootstrap(stdout=out, demo=False)
    assert Contract.objects.count() == count
    assert ImportRun.objects.count() == 8
    assert Commune.objects.count() == 35015
