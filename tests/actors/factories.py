"""Actors are built the way imports build them: a record of a test source, then the displayed layer."""

import datetime as dt
import itertools

from spaser.actors import services
from spaser.actors.enums import SourceKind
from spaser.actors.models import Source

_ids = itertools.count(1)


def make_source(code="test-source", *, kind=SourceKind.PARTNER, data_date=dt.date(2025, 1, 1)) -> Source:
    return services.source_ensure(
        code=code, name=f"Source {code}", kind=kind, licence="Licence Ouverte 2.0", data_date=data_date
    )


def make_actor(name=None, *, source=None, external_id=None, commune=None, **values):
    """make_actor("Recyclerie", commune=communes["Tours"], kinds=["ressourcerie"], natures=["waste:deee"])."""
    number = next(_ids)
    values = {"name": name or f"Acteur {number}", **values}
    if commune is not None:
        values["commune_code"] = commune.code
    values.setdefault("kinds", [])
    values.setdefault("natures", [])
    values.setdefault("families", [])
    actor, _ = services.record_apply(
        source=source or make_source(), external_id=external_id or f"test-{number}", values=values
    )
    return actor


def point_at(latitude, longitude, distance_km, bearing_deg):
    """The point at `distance_km` from (latitude, longitude) along a bearing, on the haversine sphere."""
    import math

    from spaser.actors.geometry import EARTH_RADIUS_KM

    phi1, lambda1 = math.radians(latitude), math.radians(longitude)
    theta, delta = math.radians(bearing_deg), distance_km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lambda2)
