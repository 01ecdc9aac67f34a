"""Intervention areas found by a search around a place, and the per-cell counts behind the map's clusters."""

import pytest

from spaser.actors import geometry, selectors, services
from spaser.actors.models import Actor, ActorCellCount
from spaser.actors.selectors import ActorFilters, Centre, actors_search, map_features
from tests.actors.factories import make_actor, point_at

pytestmark = pytest.mark.usefixtures("taxonomy")


def _centre(commune):
    return Centre(commune.name, commune.latitude, commune.longitude, commune)


def _found(**filters):
    hits, _ = actors_search(ActorFilters(**filters), Actor.objects.all())
    names = dict(Actor.objects.values_list("pk", "name"))
    return {names[hit.actor_id]: hit.in_area for hit in hits}


def test_actor_intervening_in_a_commune_or_departement_is_found_around_it_and_flagged(geo):
    tours = geo["Tours"]
    make_actor("Sur place", commune=tours)
    make_actor("Chartrain pour Tours", commune=geo["Chartres"], area_kind="communes", area_codes=["37261"])
    make_actor("Chartrain pour Saint-Avertin", commune=geo["Chartres"], area_kind="communes", area_codes=["37208"])
    make_actor("Berruyer pour l'Indre-et-Loire", commune=geo["Bourges"], area_kind="departements", area_codes=["37"])
    make_actor("Berruyer pour le Loiret", commune=geo["Bourges"], area_kind="departements", area_codes=["45"])
    make_actor("Drouais national", commune=geo["Dreux"], area_kind="national")
    expected = {
        "Sur place": False,
        "Chartrain pour Tours": True,
        "Berruyer pour l'Indre-et-Loire": True,
        "Drouais national": True,
    }
    assert _found(centre=_centre(tours), commune_only=tours) == expected
    # Saint-Avertin (5.5 km away) is in a 10 km zone around Tours, not in the commune of Tours alone.
    assert _found(centre=_centre(tours), radius_km=10) == {**expected, "Chartrain pour Saint-Avertin": True}
    assert "Berruyer pour le Loiret" in _found(centre=_centre(geo["Orléans"]), radius_km=5)


@pytest.mark.parametrize(("search_km", "found"), [(9.999, False), (10.001, True)])
def test_radius_area_meets_the_searched_zone_exactly(geo, search_km, found):
    """An actor 40 km from Tours intervening within 30 km reaches a search zone of 10 km, not of 9.999 km."""
    tours = geo["Tours"]
    lat, lon = point_at(tours.latitude, tours.longitude, 40, 60)
    make_actor("Rayon de 30 km", latitude=lat, longitude=lon, commune=tours, area_kind="radius", area_radius_km=30)
    assert _found(centre=_centre(tours), radius_km=search_km) == ({"Rayon de 30 km": True} if found else {})


def test_area_hits_follow_the_other_filters_and_keep_their_distance(geo):
    tours = geo["Tours"]
    make_actor("EI pour Tours", commune=geo["Blois"], kinds=["ei"], area_kind="communes", area_codes=["37261"])
    make_actor("ESAT pour Tours", commune=geo["Blois"], kinds=["esat"], area_kind="communes", area_codes=["37261"])
    hits, _ = actors_search(ActorFilters(kinds=["ei"], centre=_centre(tours), radius_km=5), Actor.objects.all())
    assert len(hits) == 1 and hits[0].in_area
    assert 50 < hits[0].distance_km < 60  # Blois is about 55 km from Tours: the distance of its address is shown
    assert _found(q="esat pour", centre=_centre(tours), radius_km=5) == {"ESAT pour Tours": True}


def test_area_keys_follow_corrections(geo):
    tours = geo["Tours"]
    actor = make_actor("Corrigé", commune=geo["Chartres"])
    assert _found(centre=_centre(tours), radius_km=5) == {}
    services.actor_correct(actor=actor, by=None, changes={"area_kind": "departements", "area_codes": ["37"]})
    assert _found(centre=_centre(tours), radius_km=5) == {"Corrigé": True}
    assert _found(kinds=["ei"], centre=_centre(tours), radius_km=5) == {}
    services.actor_correct(actor=actor, by=None, changes={"kinds": ["ei"]})  # the area keys follow the kinds
    assert _found(kinds=["ei"], centre=_centre(tours), radius_km=5) == {"Corrigé": True}
    services.actor_correction_remove(actor=actor, by=None, field_name="area_kind")
    assert _found(centre=_centre(tours), radius_km=5) == {}


def _counts():
    return {
        (row.level, row.cell, row.kind, row.is_published): (
            row.count,
            round(row.latitude_sum, 9),
            round(row.longitude_sum, 9),
        )
        for row in ActorCellCount.objects.filter(count__gt=0)
    }


def test_cell_counts_kept_by_the_services_equal_a_full_recount(geo):
    tours = geo["Tours"]
    first = make_actor("Un", commune=tours, kinds=["ei", "ess"])
    second = make_actor("Deux", commune=geo["Dreux"], kinds=["esat"])
    make_actor("Sans position", kinds=["ei"])
    services.actor_publish(actor=first, by=None, published=True)
    lat, lon = point_at(tours.latitude, tours.longitude, 20, 90)
    services.actor_correct(actor=second, by=None, changes={"latitude": lat, "longitude": lon, "kinds": ["aci"]})
    services.actors_publish(actor_ids=[first.pk, second.pk], by=None, published=True)
    services.actor_publish(actor=first, by=None, published=False)
    kept = _counts()
    for level in (0, 1):
        assert sum(n for (lvl, _, kind, _), (n, _, _) in kept.items() if kind == "" and lvl == level) == 2
    moved = Actor.objects.get(pk=second.pk)
    assert kept[(0, moved.cell, "aci", True)][0] == 1
    assert kept[(1, geometry.coarse_cell_of(moved.latitude, moved.longitude), "aci", True)][0] == 1
    services.cell_counts_rebuild()
    assert _counts() == kept


def test_clusters_from_the_counts_equal_clusters_from_the_actors(geo, monkeypatch):
    tours = geo["Tours"]
    for index in range(15):
        lat, lon = point_at(tours.latitude, tours.longitude, index * 3, index * 25)
        make_actor(f"Point {index}", latitude=lat, longitude=lon, commune=tours, kinds=["aci" if index % 2 else "ei"])
    monkeypatch.setattr(selectors, "MAX_MAP_FEATURES", 3)
    bbox = (-1.0, 46.0, 3.0, 49.0)
    for filters in (ActorFilters(), ActorFilters(kinds=["ei"]), ActorFilters(published_only=True)):
        from_counts = map_features(filters, Actor.objects.all(), bbox=bbox)
        live = selectors._clusters(selectors._filtered(filters, Actor.objects.all()).exclude(latitude=None), bbox)
        if filters.published_only:
            assert not from_counts["clustered"] and from_counts["features"] == []
            continue
        assert from_counts["clustered"]
        assert sorted(f["properties"]["count"] for f in from_counts["features"]) == sorted(
            f["properties"]["count"] for f in live["features"]
        )
        assert sorted(tuple(f["geometry"]["coordinates"]) for f in from_counts["features"]) == sorted(
            tuple(f["geometry"]["coordinates"]) for f in live["features"]
        )


def test_wide_boxes_read_the_one_degree_counts(geo, monkeypatch):
    for index, name in enumerate(["Tours", "Dreux", "Orléans", "Bourges", "Blois", "Châteauroux"]):
        make_actor(f"Acteur {index}", commune=geo[name], kinds=["ei"])
    make_actor("Hors de la boîte", latitude=43.3, longitude=5.4, commune=geo["Tours"])  # Marseille
    monkeypatch.setattr(selectors, "MAX_MAP_FEATURES", 3)
    queries = []
    original = selectors._counted_cells
    monkeypatch.setattr(selectors, "_counted_cells", lambda *a: queries.append(a) or original(*a))
    wide = map_features(ActorFilters(), Actor.objects.all(), bbox=(-2.0, 45.0, 8.0, 51.0))  # 60 square degrees
    assert wide["clustered"] and sum(f["properties"]["count"] for f in wide["features"]) == 6
    france = map_features(ActorFilters(), Actor.objects.all(), bbox=None)
    assert sum(f["properties"]["count"] for f in france["features"]) == 7
    assert len(queries) == 2
