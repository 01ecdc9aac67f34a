"""Reads of the actor directory: the search (nature + place + radius + text), the map layer, the detail."""

import math
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from spaser.actors import geometry
from spaser.actors.models import Actor, Kind, Nature
from spaser.actors.services import fold
from spaser.geo.models import Commune, PostalCode

MAX_MAP_FEATURES = 500  # beyond, the GeoJSON endpoint answers with server-side clusters
CLUSTER_GRID = 24  # clusters per side of the requested box


@dataclass
class Centre:
    label: str
    latitude: float
    longitude: float
    commune: Commune | None = None


@dataclass
class ActorFilters:
    q: str = ""
    kinds: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    natures: list[str] = field(default_factory=list)  # "axis:code"
    family: str = ""
    departement: str = ""
    centre: Centre | None = None
    radius_km: float | None = None
    commune_only: Commune | None = None  # a commune without radius: actors located in it
    published_only: bool = False
    demo: bool | None = None


@dataclass
class Hit:
    actor_id: int
    distance_km: float | None


def place_find(text: str, *, departement: str = "") -> tuple[Centre | None, str]:
    """A search centre from what a user typed: INSEE code, postcode, or commune name. (centre, error)."""
    text = (text or "").strip()
    if not text:
        return None, ""
    communes = Commune.objects.select_related("departement").exclude(latitude=None)
    if re.fullmatch(r"[0-9][0-9AB][0-9]{3}", text.upper()):
        commune = communes.filter(code=text.upper()).first()
        if commune:
            return Centre(str(commune), commune.latitude, commune.longitude, commune), ""
        served = list(communes.filter(pk__in=PostalCode.objects.filter(code=text).values("commune_id")))
        if served:
            latitude = sum(c.latitude for c in served) / len(served)
            longitude = sum(c.longitude for c in served) / len(served)
            return Centre(f"code postal {text}", latitude, longitude, served[0] if len(served) == 1 else None), ""
        return None, f"Aucune commune ni aucun code postal « {text} »."
    candidates = communes.filter(name__iexact=text)
    if departement:
        candidates = candidates.filter(departement__code=departement)
    found = list(candidates[:10])
    if not found:
        # Accents and dashes typed differently ("Chateauroux", "saint avertin"): compare folded names.
        wanted = fold(text)
        pool = Commune.objects.exclude(latitude=None)
        if departement:
            pool = pool.filter(departement__code=departement)
        codes = [code for code, name in pool.values_list("code", "name").iterator() if fold(name) == wanted]
        found = list(communes.filter(code__in=codes[:10]))
    if len(found) == 1:
        commune = found[0]
        return Centre(str(commune), commune.latitude, commune.longitude, commune), ""
    if not found:
        return None, f"Aucune commune ne s'appelle « {text} »."
    names = ", ".join(f"{c.name} ({c.code})" for c in found)
    return None, f"Plusieurs communes s'appellent « {text} » : précisez le code INSEE ({names})."


class NameOrderedHits:
    """Hits without a centre, paginated by the database (500,000 ids are never loaded to show 50)."""

    def __init__(self, actors):
        self.actors = actors.order_by("name", "pk")

    def count(self) -> int:
        return self.actors.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [Hit(pk, None) for pk in self.actors.values_list("pk", flat=True)[index]]
        return Hit(self.actors.values_list("pk", flat=True)[index], None)

    def __iter__(self):
        return (Hit(pk, None) for pk in self.actors.values_list("pk", flat=True).iterator(chunk_size=2000))


def _filtered(filters: ActorFilters, base):
    actors = base
    if filters.published_only:
        actors = actors.published()
    if filters.demo is not None:
        actors = actors.filter(is_demo=filters.demo)
    kind_codes = set(filters.kinds)
    if filters.groups:
        kind_codes |= set(Kind.objects.filter(group__in=filters.groups).values_list("code", flat=True))
        if not kind_codes:
            return actors.none()
    if kind_codes:
        condition = Q()
        for code in sorted(kind_codes):
            condition |= Q(kind_codes__contains=f"|{code}|")
        actors = actors.filter(condition)
    if filters.natures:
        condition = Q()
        for key in filters.natures:
            axis, _, code = key.partition(":")
            condition |= Q(axis=axis, code=code) | Q(axis=axis, parent__code=code)
        nature_ids = Nature.objects.filter(condition).values("pk")
        actors = actors.filter(
            pk__in=Actor.natures.through.objects.filter(nature_id__in=nature_ids).values("actor_id")
        )
    if filters.family:
        actors = actors.filter(
            pk__in=Actor.families.through.objects.filter(family__code=filters.family).values("actor_id")
        )
    if filters.departement:
        actors = actors.filter(commune__departement__code=filters.departement)
    if filters.commune_only is not None:
        actors = actors.filter(commune=filters.commune_only)
    for term in fold(filters.q).split():
        actors = actors.filter(search_text__contains=term)
    return actors


def actors_search(filters: ActorFilters, base) -> tuple["list[Hit] | NameOrderedHits", bool]:
    """Matching actors as (id, distance) sorted by distance, then name; and whether distances were computed.

    A radius search reads only the grid cells and the bounding box around the centre (indexed), then keeps the
    actors whose haversine distance is ≤ the radius: exact at the boundary, whatever the database.
    """
    actors = _filtered(filters, base)
    centre = filters.centre
    if centre is None:
        return NameOrderedHits(actors), False
    if filters.radius_km is not None:
        south, north, west, east = geometry.bounding_box(centre.latitude, centre.longitude, filters.radius_km)
        actors = actors.filter(
            cell__in=geometry.cells_in_box(south, north, west, east),
            latitude__gte=south,
            latitude__lte=north,
            longitude__gte=west,
            longitude__lte=east,
        )
    hits = []
    for pk, name, latitude, longitude in actors.values_list("pk", "name", "latitude", "longitude"):
        if latitude is None:
            if filters.radius_km is None:
                hits.append((math.inf, name, pk, None))
            continue
        distance = geometry.haversine_km(centre.latitude, centre.longitude, latitude, longitude)
        if filters.radius_km is None or distance <= filters.radius_km:
            hits.append((distance, name, pk, distance))
    hits.sort()
    return [Hit(pk, distance) for _, _, pk, distance in hits], True


def actors_page(hits: list[Hit], base):
    """The actors of a page of hits, in the hits' order, with what the list shows prefetched."""
    actors = base.filter(pk__in=[hit.actor_id for hit in hits]).select_related("commune__departement")
    actors = {actor.pk: actor for actor in actors.prefetch_related("kinds", "records__source")}
    rows = []
    for hit in hits:
        actor = actors.get(hit.actor_id)
        if actor is not None:
            actor.distance_km = hit.distance_km
            rows.append(actor)
    return rows


def map_features(filters: ActorFilters, base, *, bbox: tuple[float, float, float, float] | None) -> dict:
    """GeoJSON of the filtered actors within `bbox` (west, south, east, north): points, or clusters if too many.

    The answer is bounded: at most MAX_MAP_FEATURES points, otherwise at most CLUSTER_GRID² cluster points.
    """
    actors = _filtered(filters, base).exclude(latitude=None)
    if bbox is not None:
        west, south, east, north = bbox
        actors = actors.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)
        if (north - south) * (east - west) < 50:  # the cell prefilter pays only for regional boxes
            actors = actors.filter(cell__in=geometry.cells_in_box(south, north, west, east))
    columns = ("pk", "name", "latitude", "longitude", "kind_codes", "is_demo")
    centre, radius = filters.centre, filters.radius_km
    if centre is not None and radius is not None:
        south, north, west, east = geometry.bounding_box(centre.latitude, centre.longitude, radius)
        actors = actors.filter(
            cell__in=geometry.cells_in_box(south, north, west, east),
            latitude__gte=south,
            latitude__lte=north,
            longitude__gte=west,
            longitude__lte=east,
        )
        rows = [
            row
            for row in actors.order_by().values_list(*columns)
            if geometry.haversine_km(centre.latitude, centre.longitude, row[2], row[3]) <= radius
        ]
        if len(rows) > MAX_MAP_FEATURES:
            return _clusters_of_rows(rows, bbox or (west, south, east, north))
    else:
        # order_by(): the model's default ordering (name) made the database sort every matching row first.
        rows = list(actors.order_by().values_list(*columns)[: MAX_MAP_FEATURES + 1])
        if len(rows) > MAX_MAP_FEATURES:
            return _clusters(actors, bbox)
    return {
        "type": "FeatureCollection",
        "clustered": False,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "id": pk,
                    "name": name,
                    "kinds": [code for code in kind_codes.split("|") if code],
                    "demo": is_demo,
                },
            }
            for pk, name, lat, lon, kind_codes, is_demo in rows
        ],
    }


def _clusters_of_rows(rows, bbox) -> dict:
    west, south, east, north = bbox
    step_lat = max((north - south) / CLUSTER_GRID, 1e-6)
    step_lon = max((east - west) / CLUSTER_GRID, 1e-6)
    buckets: dict[tuple[int, int], list[float]] = {}
    for _, _, lat, lon, _, _ in rows:
        bucket = buckets.setdefault((int((lat - south) / step_lat), int((lon - west) / step_lon)), [0, 0.0, 0.0])
        bucket[0] += 1
        bucket[1] += lat
        bucket[2] += lon
    return _cluster_collection(buckets)


def _cluster_collection(buckets) -> dict:
    return {
        "type": "FeatureCollection",
        "clustered": True,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(sum_lon / n, 5), round(sum_lat / n, 5)]},
                "properties": {"count": n},
            }
            for n, sum_lat, sum_lon in buckets.values()
        ],
    }


def _clusters(actors, bbox) -> dict:
    if bbox is None:
        bbox = (-5.5, 41.2, 9.9, 51.2)
    west, south, east, north = bbox
    step_lat = max((north - south) / CLUSTER_GRID, 1e-6)
    step_lon = max((east - west) / CLUSTER_GRID, 1e-6)
    buckets: dict[tuple[int, int], list[float]] = {}
    # Grouping by the 0.1° cell happens in SQL (on the covering cell index); cells then merge into the grid.
    per_cell = actors.order_by().values("cell").annotate(n=Count("pk"), lat=Sum("latitude"), lon=Sum("longitude"))
    for row in per_cell:
        n, lat, lon = row["n"], row["lat"], row["lon"]
        key = (int((lat / n - south) / step_lat), int((lon / n - west) / step_lon))
        bucket = buckets.setdefault(key, [0, 0.0, 0.0])
        bucket[0] += n
        bucket[1] += lat
        bucket[2] += lon
    return _cluster_collection(buckets)
