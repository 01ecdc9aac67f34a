"""Writes on suppliers: bulk get-or-create from contract holders, SIRENE enrichment."""

import logging

from spaser.contracts.enums import IdentifierType
from spaser.suppliers.models import Establishment, Supplier

logger = logging.getLogger(__name__)


def supplier_key(id_type: str, identifier: str) -> tuple[str, str | None, str | None]:
    """(key, siren, siret) of a published holder: one supplier per SIREN, foreign ids kept as they are."""
    if id_type == IdentifierType.SIRET and identifier.isdigit() and len(identifier) in (9, 14):
        return identifier[:9], identifier[:9], identifier if len(identifier) == 14 else None
    return f"{id_type}:{identifier}"[:48], None, None


class SupplierRegistry:
    """Get-or-create of suppliers and establishments in bulk, with an id cache for one import.

    The cache holds one integer per distinct supplier: bounded by the number of companies, not by
    the size of the file.
    """

    def __init__(self):
        self.suppliers: dict[str, int] = {}
        self.establishments: dict[str, int] = {}

    def ensure(self, holders) -> None:
        """``holders``: iterable of (id_type, identifier, name)."""
        wanted: dict[str, Supplier] = {}
        wanted_establishments: dict[str, str] = {}
        for id_type, identifier, name in holders:
            key, siren, siret = supplier_key(id_type, identifier)
            if key not in self.suppliers and key not in wanted:
                wanted[key] = Supplier(
                    key=key,
                    siren=siren,
                    identifier_type=id_type if siren is None else IdentifierType.SIRET,
                    identifier=identifier if siren is None else siren,
                    name=name,
                )
            if siret and siret not in self.establishments:
                wanted_establishments[siret] = key
        if wanted:
            existing = dict(Supplier.objects.filter(key__in=list(wanted)).values_list("key", "pk"))
            self.suppliers.update(existing)
            missing = [supplier for key, supplier in wanted.items() if key not in existing]
            if missing:
                Supplier.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
                self.suppliers.update(
                    Supplier.objects.filter(key__in=[s.key for s in missing]).values_list("key", "pk")
                )
        if wanted_establishments:
            existing = dict(
                Establishment.objects.filter(siret__in=list(wanted_establishments)).values_list("siret", "pk")
            )
            self.establishments.update(existing)
            missing = [
                Establishment(siret=siret, supplier_id=self.suppliers[key])
                for siret, key in wanted_establishments.items()
                if siret not in existing
            ]
            if missing:
                Establishment.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
                self.establishments.update(
                    Establishment.objects.filter(siret__in=[e.siret for e in missing]).values_list("siret", "pk")
                )

    def supplier_id(self, id_type: str, identifier: str) -> int:
        return self.suppliers[supplier_key(id_type, identifier)[0]]

    def establishment_id(self, id_type: str, identifier: str) -> int | None:
        siret = supplier_key(id_type, identifier)[2]
        return self.establishments.get(siret) if siret else None


def supplier_enrich_many(*, values_by_siren: dict[str, dict], now) -> tuple[int, int]:
    """Writes SIRENE values on known suppliers; returns (updated, unchanged)."""
    suppliers = list(Supplier.objects.filter(siren__in=list(values_by_siren)))
    changed = []
    for supplier in suppliers:
        values = values_by_siren[supplier.siren]
        if any(getattr(supplier, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(supplier, name, value)
            supplier.sirene_updated_at = now
            supplier.updated_at = now
            changed.append(supplier)
    if changed:
        fields = [*next(iter(values_by_siren.values())).keys(), "sirene_updated_at", "updated_at"]
        Supplier.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed), len(suppliers) - len(changed)


def establishment_enrich_many(*, values_by_siret: dict[str, dict], communes: dict, now) -> tuple[int, int]:
    """``communes``: INSEE code → (id, latitude, longitude). Returns (updated, unchanged)."""
    establishments = list(Establishment.objects.filter(siret__in=list(values_by_siret)))
    changed = []
    for establishment in establishments:
        values = dict(values_by_siret[establishment.siret])
        commune = communes.get(values.pop("commune_code"))
        values["commune_id"] = commune[0] if commune else None
        values["latitude"] = commune[1] if commune else None
        values["longitude"] = commune[2] if commune else None
        if any(getattr(establishment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(establishment, name, value)
            establishment.updated_at = now
            changed.append(establishment)
    if changed:
        fields = [
            "name",
            "commune_id",
            "latitude",
            "longitude",
            "postcode",
            "headcount_band",
            "is_head_office",
            "is_active",
            "updated_at",
        ]
        Establishment.objects.bulk_update(changed, [f.removesuffix("_id") for f in fields], batch_size=500)
    return len(changed), len(establishments) - len(changed)
