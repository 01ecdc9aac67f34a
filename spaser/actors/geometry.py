"""Distances on the sphere without PostGIS: an indexed grid-cell prefilter, then the exact haversine distance.

The same code runs on SQLite and PostgreSQL: SQL narrows the candidates to the cells and the bounding box
around the centre; Python keeps those whose great-circle distance is within the radius.
"""

import math

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
CELLS_PER_DEGREE = 10  # 0.1° cells
# Metropolitan France and overseas departments: coordinates outside every box are refused at import.
FRANCE_BOXES = (
    (41.2, 51.2, -5.5, 9.9),  # metropolitan France with Corsica
    (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    (14.3, 14.9, -61.3, -60.7),  # Martinique
    (2.0, 6.0, -54.7, -51.5),  # Guyane
    (-21.5, -20.8, 55.1, 55.9),  # La Réunion
    (-13.1, -12.6, 44.9, 45.4),  # Mayotte
)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def cell_of(latitude: float | None, longitude: float | None) -> int | None:
    if latitude is None or longitude is None:
        return None
    row = math.floor(latitude * CELLS_PER_DEGREE)
    column = math.floor(longitude * CELLS_PER_DEGREE)
    return row * 10_000 + column  # column stays within ±1,800, so rows never collide


def cell_column(cell: int) -> int:
    """The longitude column of a cell made by `cell_of` (columns stay within ±1,800)."""
    return (cell + 5_000) % 10_000 - 5_000


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) containing every point within `radius_km`, with a small safety margin."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) * 1.0001 + 1e-9
    south, north = latitude - dlat, latitude + dlat
    if north >= 90 or south <= -90:
        return max(south, -90.0), min(north, 90.0), -180.0, 180.0
    # The widest longitude span is reached at the latitude of the box edge closest to a pole.
    widest = max(abs(south), abs(north))
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * math.cos(math.radians(widest)))) * 1.0001 + 1e-9
    return south, north, longitude - dlon, longitude + dlon


def cells_in_box(south: float, north: float, west: float, east: float) -> list[int]:
    rows = range(math.floor(south * CELLS_PER_DEGREE), math.floor(north * CELLS_PER_DEGREE) + 1)
    columns = range(math.floor(west * CELLS_PER_DEGREE), math.floor(east * CELLS_PER_DEGREE) + 1)
    return [row * 10_000 + column for row in rows for column in columns]


def coarse_cell_of(latitude: float, longitude: float) -> int:
    """A 1° cell: intervention radii (up to a few hundred km) are indexed by the few coarse cells they reach."""
    return math.floor(latitude) * 1_000 + math.floor(longitude)


def coarse_of_cell(cell: int) -> int:
    """The 1° cell holding a 0.1° cell (the same as `coarse_cell_of` of any point of it)."""
    column = cell_column(cell)
    row = (cell - column) // 10_000
    return (row // CELLS_PER_DEGREE) * 1_000 + column // CELLS_PER_DEGREE


def coarse_cell_column(cell: int) -> int:
    return (cell + 500) % 1_000 - 500


def coarse_cells_in_box(south: float, north: float, west: float, east: float) -> list[int]:
    rows = range(math.floor(south), math.floor(north) + 1)
    columns = range(math.floor(west), math.floor(east) + 1)
    return [row * 1_000 + column for row in rows for column in columns]


def in_france(latitude: float, longitude: float) -> bool:
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in FRANCE_BOXES)
