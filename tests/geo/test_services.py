from spaser.geo.models import Commune, PostalCode
from spaser.geo.services import geo_load_reference
from tests.imports.conftest import SHARED_DATA


def test_geo_reference_load_is_idempotent_and_sets_centroids():
    files = {
        "cog_file": SHARED_DATA / "geo" / "cog_communes_centre-val-de-loire.csv",
        "postcode_file": SHARED_DATA / "geo" / "laposte_hexasmal_centre-val-de-loire.csv",
    }
    first = geo_load_reference(**files)
    assert (first.regions, first.departements, first.communes) == (1, 6, 1754)
    counts = (Commune.objects.count(), PostalCode.objects.count())
    geo_load_reference(**files)
    assert (Commune.objects.count(), PostalCode.objects.count()) == counts
    orleans = Commune.objects.get(code="45234")
    assert orleans.departement.region.name == "Centre-Val de Loire"
    assert 47.8 < orleans.latitude < 48.0
