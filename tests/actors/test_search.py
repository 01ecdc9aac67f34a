import pytest

from spaser.actors.models import Actor
from spaser.actors.selectors import ActorFilters, Centre, actors_search, place_find
from tests.actors.factories import make_actor, point_at

pytestmark = pytest.mark.usefixtures("taxonomy")


def _search(**filters):
    hits, _ = actors_search(ActorFilters(**filters), Actor.objects.all())
    return [Actor.objects.get(pk=hit.actor_id).name for hit in hits]


def _centre(commune):
    return Centre(commune.name, commune.latitude, commune.longitude, commune)


@pytest.mark.parametrize("bearing", [0, 45, 90, 180, 270])
def test_radius_is_exact_at_its_boundary(geo, bearing):
    """An actor 29.999 km away is found within 30 km; one 30.001 km away is not (haversine, not the box)."""
    tours = geo["Tours"]
    inside = point_at(tours.latitude, tours.longitude, 29.999, bearing)
    outside = point_at(tours.latitude, tours.longitude, 30.001, bearing)
    make_actor("Dedans", latitude=inside[0], longitude=inside[1], commune=tours)
    make_actor("Dehors", latitude=outside[0], longitude=outside[1], commune=tours)
    assert _search(centre=_centre(tours), radius_km=30) == ["Dedans"]
    assert sorted(_search(centre=_centre(tours), radius_km=30.002)) == ["Dedans", "Dehors"]


def test_results_are_sorted_by_distance_then_name(geo):
    tours = geo["Tours"]
    make_actor("Loin", commune=geo["Orléans"])
    make_actor("Près", commune=geo["Saint-Avertin"])
    make_actor("Au centre B", commune=tours)
    make_actor("Au centre A", commune=tours)
    hits, by_distance = actors_search(ActorFilters(centre=_centre(tours), radius_km=200), Actor.objects.all())
    assert by_distance
    assert [Actor.objects.get(pk=h.actor_id).name for h in hits] == ["Au centre A", "Au centre B", "Près", "Loin"]
    assert hits[0].distance_km == 0
    assert 5 < hits[2].distance_km < 6  # Saint-Avertin's centroid is 5.5 km from Tours'


def test_departement_and_commune_filters_use_the_shared_geography(geo):
    make_actor("Tourangeau", commune=geo["Tours"])
    make_actor("Avertinois", commune=geo["Saint-Avertin"])
    make_actor("Drouais", commune=geo["Dreux"])
    assert sorted(_search(departement="37")) == ["Avertinois", "Tourangeau"]
    assert _search(departement="28") == ["Drouais"]
    assert _search(commune_only=geo["Tours"]) == ["Tourangeau"]


def test_kind_group_nature_family_and_text_filters(geo, families):
    make_actor("Ressourcerie du Cher", commune=geo["Bourges"], kinds=["ressourcerie"], natures=["waste:mobilier"])
    make_actor(
        "Atelier DEEE",
        commune=geo["Dreux"],
        kinds=["ei"],
        natures=["waste:deee", "object:materiel_informatique"],
        families=["INFORMATIQUE"],
    )
    make_actor("ESAT Propreté", commune=geo["Blois"], kinds=["esat"], families=["NETTOYAGE"])
    assert _search(kinds=["ei"]) == ["Atelier DEEE"]
    assert _search(groups=["circular"]) == ["Ressourcerie du Cher"]
    assert _search(groups=["disability"]) == ["ESAT Propreté"]
    assert _search(natures=["waste:deee"]) == ["Atelier DEEE"]
    # A top category finds the actors of its sub-categories (ADEME "image, son et informatique").
    assert _search(natures=["object:image_son_et_informatique"]) == ["Atelier DEEE"]
    assert _search(family="NETTOYAGE") == ["ESAT Propreté"]
    assert _search(q="proprete") == ["ESAT Propreté"]  # accents folded
    assert _search(q="atelier deee") == ["Atelier DEEE"]
    assert _search(q="atelier bourges") == []


def test_kind_code_is_not_matched_inside_another_code(geo):
    """ "ei" must not match "eiti" (kinds are stored as |code| tokens)."""
    make_actor("Indépendants", commune=geo["Tours"], kinds=["eiti"])
    assert _search(kinds=["ei"]) == []
    assert _search(kinds=["eiti"]) == ["Indépendants"]


def test_actor_without_position_is_kept_without_radius_and_dropped_with_one(geo):
    make_actor("Sans adresse")
    assert _search(centre=_centre(geo["Tours"])) == ["Sans adresse"]
    assert _search(centre=_centre(geo["Tours"]), radius_km=500) == []


def test_place_find_reads_insee_codes_postcodes_and_names(geo):
    centre, error = place_find("37261")
    assert centre.commune == geo["Tours"] and not error
    centre, error = place_find("37550")
    assert centre.commune == geo["Saint-Avertin"]
    centre, error = place_find("chateauroux")
    assert centre.commune == geo["Châteauroux"]
    centre, error = place_find("saint avertin")
    assert centre.commune == geo["Saint-Avertin"]
    centre, error = place_find("Atlantide")
    assert centre is None and "Aucune commune" in error
    centre, error = place_find("99999")
    assert centre is None and "99999" in error


def test_place_find_asks_to_choose_between_homonyms(geo):
    from spaser.geo.models import Commune

    Commune.objects.create(
        code="45999", name="Tours", departement=geo["Orléans"].departement, latitude=47.9, longitude=1.9
    )
    centre, error = place_find("Tours")
    assert centre is None and "37261" in error and "45999" in error
    centre, error = place_find("Tours", departement="45")
    assert centre.commune.code == "45999"
