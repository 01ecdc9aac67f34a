"""Reads of the actor directory: the search (nature + place + radius + text), the map layer, the detail."""

import math
import re
import time
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from spaser.actors import geometry
from spaser.actors.enums import AreaKind
from spaser.actors.models import Actor, ActorArea, ActorCellCount, ActorRecord, Kind, Nature
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
    in_area: bool = False  # found because its intervention area covers the searched place, not by its address


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


def _kind_codes(filters: ActorFilters) -> set[str] | None:
    """The kind codes asked for (kinds and groups of kinds), None when any kind will do."""
    if not filters.kinds and not filters.groups:
        return None
    codes = set(filters.kinds)
    if filters.groups:
        codes |= set(Kind.objects.filter(group__in=filters.groups).values_list("code", flat=True))
    return codes


def _kind_condition(codes) -> Q:
    condition = Q()
    for code in sorted(codes):
        condition |= Q(kind_codes__contains=f"|{code}|")
    return condition


def _filtered(filters: ActorFilters, base, *, located: bool = True):
    """`located=False` leaves out the filters on the actor's own address (département, commune)."""
    actors = base
    if filters.published_only:
        actors = actors.published()
    if filters.demo is not None:
        actors = actors.filter(is_demo=filters.demo)
    kind_codes = _kind_codes(filters)
    if kind_codes is not None:
        if not kind_codes:
            return actors.none()
        actors = actors.filter(_kind_condition(kind_codes))
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
    if filters.departement and located:
        actors = actors.filter(commune__departement__code=filters.departement)
    if filters.commune_only is not None and located:
        actors = actors.filter(commune=filters.commune_only)
    for term in fold(filters.q).split():
        actors = actors.filter(search_text__contains=term)
    return actors


def actors_search(filters: ActorFilters, base) -> tuple["list[Hit] | NameOrderedHits", bool]:
    """Matching actors as (id, distance) sorted by distance, then name; and whether distances were computed.

    A radius search reads only the grid cells and the bounding box around the centre (indexed), then keeps the
    actors whose haversine distance is ≤ the radius: exact at the boundary, whatever the database. Around a
    place (radius or commune), actors located elsewhere whose intervention area covers the place are added,
    flagged `in_area`.
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
    found = set()
    for pk, name, latitude, longitude in actors.order_by().values_list("pk", "name", "latitude", "longitude"):
        if latitude is None:
            if filters.radius_km is None:
                hits.append((math.inf, name, pk, None, False))
                found.add(pk)
            continue
        distance = geometry.haversine_km(centre.latitude, centre.longitude, latitude, longitude)
        if filters.radius_km is None or distance <= filters.radius_km:
            hits.append((distance, name, pk, distance, False))
            found.add(pk)
    if filters.radius_km is not None or filters.commune_only is not None:
        for pk, name, distance in _area_hits(filters, base):
            if pk not in found:
                hits.append((math.inf if distance is None else distance, name, pk, distance, True))
    hits.sort()
    return [Hit(pk, distance, in_area) for _, _, pk, distance, in_area in hits], True


# --- Intervention areas -------------------------------------------------------------------------------

_COMMUNE_GRID: dict = {"built": 0.0, "cells": {}}
COMMUNE_GRID_SECONDS = 3600  # the official geography changes once a year


def commune_grid_reset(**kwargs) -> None:
    _COMMUNE_GRID["cells"] = {}


def _communes_near(latitude: float, longitude: float, radius_km: float) -> list[tuple[str, str]]:
    """(INSEE code, département code) of the communes whose centroid is within `radius_km`, from a grid of the
    35,000 centroids kept in memory (the commune table has no position index, and is read once an hour)."""
    if time.monotonic() - _COMMUNE_GRID["built"] > COMMUNE_GRID_SECONDS or not _COMMUNE_GRID["cells"]:
        cells: dict[int, list] = {}
        rows = Commune.objects.exclude(latitude=None).values_list("code", "departement__code", "latitude", "longitude")
        for code, departement, lat, lon in rows.iterator(chunk_size=5000):
            cells.setdefault(geometry.cell_of(lat, lon), []).append((code, departement, lat, lon))
        _COMMUNE_GRID.update(built=time.monotonic(), cells=cells)
    south, north, west, east = geometry.bounding_box(latitude, longitude, radius_km)
    near = []
    for cell in geometry.cells_in_box(south, north, west, east):
        for code, departement, lat, lon in _COMMUNE_GRID["cells"].get(cell, ()):
            if geometry.haversine_km(latitude, longitude, lat, lon) <= radius_km:
                near.append((code, departement))
    return near


def _area_hits(filters: ActorFilters, base) -> list[tuple[int, str, float | None]]:
    """(id, name, distance of the address) of the actors whose intervention area meets the searched zone.

    The zone is the radius around the centre, or the commune searched. An area of communes or départements
    meets it when one of its communes (centroid) is in the zone, or one commune of the zone is in one of its
    départements; a radius area when the two discs overlap (the commune's centroid for a commune search);
    "France entière" always.
    """
    centre = filters.centre
    radius = filters.radius_km or 0.0
    if filters.radius_km is not None:
        zone = _communes_near(centre.latitude, centre.longitude, radius)
        box = geometry.bounding_box(centre.latitude, centre.longitude, radius)
    else:
        commune = filters.commune_only
        zone = [(commune.code, commune.departement.code if commune.departement_id else "")]
        box = (centre.latitude, centre.latitude, centre.longitude, centre.longitude)
    if centre.commune is not None and centre.commune.code not in {code for code, _ in zone}:
        zone.append((centre.commune.code, centre.commune.departement.code if centre.commune.departement_id else ""))
    keys = {"fr"}
    keys |= {f"c:{code}" for code, _ in zone}
    keys |= {f"d:{departement}" for _, departement in zone if departement}
    keys |= {f"g:{cell}" for cell in geometry.coarse_cells_in_box(*box)}
    keyed = ActorArea.objects.filter(key__in=sorted(keys))
    kind_codes = _kind_codes(filters)
    if kind_codes:  # narrowed in the (key, kinds) index before any actor row is read
        keyed = keyed.filter(_kind_condition(kind_codes))
    # A list of ids, not a subquery: PostgreSQL then reads the actors by primary key instead of risking a
    # scan of the whole table when it misjudges the subquery's size.
    candidate_ids = sorted(set(keyed.values_list("actor_id", flat=True)))
    if not candidate_ids:
        return []
    candidates = _filtered(filters, base, located=False).filter(pk__in=candidate_ids)
    hits = []
    columns = ("pk", "name", "latitude", "longitude", "area_kind", "area_radius_km")
    for pk, name, latitude, longitude, area_kind, area_radius in candidates.order_by().values_list(*columns):
        distance = (
            None if latitude is None else geometry.haversine_km(centre.latitude, centre.longitude, latitude, longitude)
        )
        if area_kind == AreaKind.RADIUS and (distance is None or distance > (area_radius or 0) + radius):
            continue  # the coarse cells only narrowed the candidates; the discs do not overlap
        hits.append((pk, name, distance))
    return hits


def actors_page(hits: list[Hit], base):
    """The actors of a page of hits, in the hits' order, with what the list shows prefetched."""
    actors = base.filter(pk__in=[hit.actor_id for hit in hits]).select_related("commune__departement")
    actors = {actor.pk: actor for actor in actors.prefetch_related("kinds", "records__source")}
    rows = []
    for hit in hits:
        actor = actors.get(hit.actor_id)
        if actor is not None:
            actor.distance_km = hit.distance_km
            actor.in_area = hit.in_area
            rows.append(actor)
    return rows


@dataclass
class ActorRow:
    """What the list shows of one actor: read as plain values, not as models (500,000 actors, first page)."""

    pk: int
    name: str
    is_demo: bool
    is_published: bool
    city: str
    commune_name: str
    departement_code: str
    kinds: list
    distance_km: float | None
    in_area: bool
    sources: list = field(default_factory=list)  # (name, data date)


def actors_list_rows(hits: list[Hit], base) -> list[ActorRow]:
    """The rows of a page of hits, in the hits' order: three queries whatever the page size."""
    by_id = {hit.actor_id: hit for hit in hits}
    kinds = {kind.code: kind for kind in Kind.objects.all()}
    columns = (
        "pk",
        "name",
        "is_demo",
        "is_published",
        "city",
        "commune__name",
        "commune__departement__code",
        "kind_codes",
    )
    rows = {}
    for pk, name, is_demo, is_published, city, commune_name, departement, kind_codes in (
        base.filter(pk__in=list(by_id)).order_by().values_list(*columns)
    ):
        hit = by_id[pk]
        rows[pk] = ActorRow(
            pk=pk,
            name=name,
            is_demo=is_demo,
            is_published=is_published,
            city=city,
            commune_name=commune_name or "",
            departement_code=departement or "",
            kinds=sorted((kinds[code] for code in kind_codes.split("|") if code in kinds), key=lambda k: k.position),
            distance_km=hit.distance_km,
            in_area=hit.in_area,
        )
    records = ActorRecord.objects.filter(actor_id__in=list(rows)).order_by("source__data_date", "pk")
    for actor_id, source_name, data_date in records.values_list("actor_id", "source__name", "source__data_date"):
        rows[actor_id].sources.append((source_name, data_date))
    return [rows[hit.actor_id] for hit in hits if hit.actor_id in rows]


def _counted_kind(filters: ActorFilters) -> str | None:
    """The `ActorCellCount.kind` that answers these filters ("" = every kind), or None if counts cannot."""
    if (
        filters.q
        or filters.natures
        or filters.family
        or filters.departement
        or filters.commune_only is not None
        or filters.demo is not None
        or filters.centre is not None
    ):
        return None
    codes = set(filters.kinds)
    if filters.groups:
        codes |= set(Kind.objects.filter(group__in=filters.groups).values_list("code", flat=True))
        if not codes:
            return None
    if len(codes) > 1:  # an actor of two of the kinds would be counted twice
        return None
    return next(iter(codes), "")


WIDE_BOX_SQUARE_DEGREES = 50  # wider boxes read the 1° counts (and skip the cell prefilter of live queries)


def _counted_cells(kind: str, published_only: bool, bbox) -> list[tuple[int, float, float]]:
    """(count, latitude sum, longitude sum) per cell within `bbox`, from the maintained counts: 1° cells for a
    wide box (France: a few hundred rows), 0.1° cells for a regional one."""
    wide = bbox is None or (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) >= WIDE_BOX_SQUARE_DEGREES
    counts = ActorCellCount.objects.filter(level=1 if wide else 0, kind=kind, count__gt=0)
    if published_only:
        counts = counts.filter(is_published=True)
    if bbox is not None:
        west, south, east, north = bbox
        if wide:
            low, high = geometry.coarse_cell_of(south, west), geometry.coarse_cell_of(north, east)
            first_column, last_column, column_of = math.floor(west), math.floor(east), geometry.coarse_cell_column
        else:
            low, high = geometry.cell_of(south, west), geometry.cell_of(north, east)
            first_column = math.floor(west * geometry.CELLS_PER_DEGREE)
            last_column = math.floor(east * geometry.CELLS_PER_DEGREE)
            column_of = geometry.cell_column
        counts = counts.filter(cell__gte=low, cell__lte=high)  # whole rows of cells; columns checked below
    per_cell: dict[int, list] = {}
    for cell, n, lat, lon in counts.order_by().values_list("cell", "count", "latitude_sum", "longitude_sum"):
        if bbox is not None and not first_column <= column_of(cell) <= last_column:
            continue
        entry = per_cell.setdefault(cell, [0, 0.0, 0.0])
        entry[0] += n
        entry[1] += lat
        entry[2] += lon
    return [tuple(entry) for entry in per_cell.values()]


def map_features(filters: ActorFilters, base, *, bbox: tuple[float, float, float, float] | None) -> dict:
    """GeoJSON of the filtered actors within `bbox` (west, south, east, north): points, or clusters if too many.

    The answer is bounded: at most MAX_MAP_FEATURES points, otherwise at most CLUSTER_GRID² cluster points.
    With no filter but the kind (one at most) and publication, the clusters come from the per-cell counts
    that the services keep (a few thousand rows), not from the actors themselves.
    """
    columns = ("pk", "name", "latitude", "longitude", "kind_codes", "is_demo")
    centre, radius = filters.centre, filters.radius_km
    if centre is not None and radius is not None:
        actors = _filtered(filters, base).exclude(latitude=None)
        if bbox is not None:
            west, south, east, north = bbox
            actors = actors.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)
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
        return _points(rows)
    kind = _counted_kind(filters)
    if kind is not None:
        per_cell = _counted_cells(kind, filters.published_only, bbox)
        if sum(n for n, _, _ in per_cell) > MAX_MAP_FEATURES:
            return _clusters_of_cells(per_cell, bbox)
    actors = _filtered(filters, base).exclude(latitude=None)
    if bbox is not None:
        west, south, east, north = bbox
        actors = actors.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)
        if (north - south) * (east - west) < WIDE_BOX_SQUARE_DEGREES:  # the cell prefilter pays for regional boxes
            actors = actors.filter(cell__in=geometry.cells_in_box(south, north, west, east))
    # order_by(): the model's default ordering (name) made the database sort every matching row first.
    rows = list(actors.order_by().values_list(*columns)[: MAX_MAP_FEATURES + 1])
    if len(rows) > MAX_MAP_FEATURES:
        return _clusters(actors, bbox)
    return _points(rows)


def _points(rows) -> dict:
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
    return _clusters_of_cells([(1, lat, lon) for _, _, lat, lon, _, _ in rows], bbox)


def _clusters_of_cells(per_cell, bbox) -> dict:
    """Merges (count, latitude sum, longitude sum) groups into at most CLUSTER_GRID² clusters over `bbox`."""
    if bbox is None:
        bbox = (-5.5, 41.2, 9.9, 51.2)
    west, south, east, north = bbox
    step_lat = max((north - south) / CLUSTER_GRID, 1e-6)
    step_lon = max((east - west) / CLUSTER_GRID, 1e-6)
    buckets: dict[tuple[int, int], list[float]] = {}
    for n, lat, lon in per_cell:
        key = (int((lat / n - south) / step_lat), int((lon / n - west) / step_lon))
        bucket = buckets.setdefault(key, [0, 0.0, 0.0])
        bucket[0] += n
        bucket[1] += lat
        bucket[2] += lon
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
    # Grouping by the 0.1° cell happens in SQL (on the covering cell index); cells then merge into the grid.
    per_cell = actors.order_by().values("cell").annotate(n=Count("pk"), lat=Sum("latitude"), lon=Sum("longitude"))
    return _clusters_of_cells([(row["n"], row["lat"], row["lon"]) for row in per_cell], bbox)
