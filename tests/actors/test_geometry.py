import math

from hypothesis import given, settings, strategies as st

from spaser.actors import geometry
from tests.actors.factories import point_at


def test_haversine_paris_lyon_is_about_392_km():
    # Notre-Dame de Paris → Place Bellecour, Lyon: 391.9 km on the mean-radius sphere.
    distance = geometry.haversine_km(48.8530, 2.3499, 45.7578, 4.8320)
    assert 391 < distance < 393


def test_haversine_is_zero_on_the_same_point_and_symmetric():
    assert geometry.haversine_km(47.39, 0.69, 47.39, 0.69) == 0
    assert math.isclose(geometry.haversine_km(47, 1, 48, 2), geometry.haversine_km(48, 2, 47, 1))


def test_cell_of_uses_tenth_of_degree_rows_and_columns():
    assert geometry.cell_of(47.39, 0.69) == 473 * 10_000 + 6
    assert geometry.cell_of(47.39, -0.01) == 473 * 10_000 - 1
    assert geometry.cell_of(None, 1.0) is None


@settings(max_examples=300, deadline=None)
@given(
    latitude=st.floats(41.3, 51.0),
    longitude=st.floats(-5.0, 9.5),
    radius=st.floats(0.5, 300),
    bearing=st.floats(0, 360),
)
def test_every_point_within_the_radius_is_inside_the_box_and_its_cells(latitude, longitude, radius, bearing):
    """The SQL prefilter must never drop an actor that the exact distance would keep."""
    south, north, west, east = geometry.bounding_box(latitude, longitude, radius)
    point = point_at(latitude, longitude, radius, bearing)
    assert geometry.haversine_km(latitude, longitude, *point) <= radius * (1 + 1e-9) + 1e-9
    assert south <= point[0] <= north
    assert west <= point[1] <= east
    assert geometry.cell_of(*point) in geometry.cells_in_box(south, north, west, east)


def test_in_france_accepts_metropolitan_and_overseas_points_only():
    assert geometry.in_france(47.39, 0.69)  # Tours
    assert geometry.in_france(-20.88, 55.45)  # Saint-Denis de La Réunion
    assert not geometry.in_france(40.41, -3.70)  # Madrid
    assert not geometry.in_france(0.0, 0.0)
