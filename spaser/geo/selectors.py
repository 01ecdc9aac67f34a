"""Resolution of a DECP place of execution (lieuExecution) to commune / département / région."""

from dataclasses import dataclass

from spaser.contracts.enums import PlaceType
from spaser.geo.models import Commune, Departement, PostalCode, Region


@dataclass(frozen=True, slots=True)
class Place:
    commune_id: int | None = None
    departement_id: int | None = None
    region_id: int | None = None


class PlaceResolver:
    """Loads the reference once (a few MB, independent of the size of the imported file)."""

    def __init__(self):
        self.regions = dict(Region.objects.values_list("code", "pk"))
        self.departements = {
            code: (pk, region_id) for code, pk, region_id in Departement.objects.values_list("code", "pk", "region_id")
        }
        departement_region = {pk: region_id for pk, region_id in self.departements.values()}
        self.communes = {
            code: Place(pk, departement_id, departement_region[departement_id])
            for code, pk, departement_id in Commune.objects.values_list("code", "pk", "departement_id")
        }
        by_postcode: dict[str, set[Place]] = {}
        for code, commune_id, departement_id in PostalCode.objects.values_list(
            "code", "commune_id", "commune__departement_id"
        ):
            by_postcode.setdefault(code, set()).add(
                Place(commune_id, departement_id, departement_region[departement_id])
            )
        self.postcodes = {}
        for code, places in by_postcode.items():
            if len(places) == 1:
                self.postcodes[code] = next(iter(places))
            else:  # shared postcode: only what all its communes have in common is certain
                departements = {p.departement_id for p in places}
                regions = {p.region_id for p in places}
                self.postcodes[code] = Place(
                    None,
                    departements.pop() if len(departements) == 1 else None,
                    regions.pop() if len(regions) == 1 else None,
                )

    def resolve(self, place_type: str, code: str) -> Place:
        code = (code or "").strip().upper()
        if not code:
            return Place()
        if place_type == PlaceType.COMMUNE:
            return self.communes.get(code.zfill(5), Place())
        if place_type == PlaceType.POSTCODE:
            return self.postcodes.get(code.zfill(5), Place())
        if place_type == PlaceType.DEPARTEMENT:
            found = self.departements.get(code.zfill(2)) or self.departements.get(code)
            return Place(None, found[0], found[1]) if found else Place()
        if place_type == PlaceType.REGION:
            region = self.regions.get(code.zfill(2)) or self.regions.get(code)
            return Place(None, None, region)
        if place_type == PlaceType.ARRONDISSEMENT and len(code) >= 3:
            # INSEE arrondissement code = département code + 1 digit
            found = self.departements.get(code[:2]) if not code.startswith("97") else self.departements.get(code[:3])
            return Place(None, found[0], found[1]) if found else Place()
        return Place()
