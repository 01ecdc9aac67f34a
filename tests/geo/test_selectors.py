import pytest

from spaser.contracts.enums import PlaceType
from spaser.geo.models import Commune, Departement, PostalCode, Region
from spaser.geo.selectors import PlaceResolver


@pytest.fixture
def reference():
    centre = Region.objects.create(code="24", name="Centre-Val de Loire")
    loiret = Departement.objects.create(code="45", name="Loiret", region=centre)
    cher = Departement.objects.create(code="18", name="Cher", region=centre)
    orleans = Commune.objects.create(code="45234", name="Orléans", departement=loiret)
    olivet = Commune.objects.create(code="45232", name="Olivet", departement=loiret)
    bourges = Commune.objects.create(code="18033", name="Bourges", departement=cher)
    PostalCode.objects.create(code="45000", commune=orleans)
    PostalCode.objects.create(code="45160", commune=olivet)
    PostalCode.objects.create(code="45160", commune=orleans)  # shared postcode, same département
    PostalCode.objects.create(code="18000", commune=bourges)
    return {"centre": centre, "loiret": loiret, "orleans": orleans}


@pytest.mark.parametrize(
    ("place_type", "code", "expected"),
    [
        (PlaceType.COMMUNE, "45234", ("orleans", "loiret", "centre")),
        (PlaceType.POSTCODE, "45000", ("orleans", "loiret", "centre")),
        (PlaceType.POSTCODE, "45160", (None, "loiret", "centre")),
        (PlaceType.DEPARTEMENT, "45", (None, "loiret", "centre")),
        (PlaceType.REGION, "24", (None, None, "centre")),
        (PlaceType.ARRONDISSEMENT, "451", (None, "loiret", "centre")),
        (PlaceType.COUNTRY, "FR", (None, None, None)),
        (PlaceType.COMMUNE, "99999", (None, None, None)),
    ],
)
def test_place_resolution(reference, place_type, code, expected):
    place = PlaceResolver().resolve(place_type, code)
    ids = tuple(reference[name].pk if name else None for name in expected)
    assert (place.commune_id, place.departement_id, place.region_id) == ids
