"""Writes on suppliers: bulk get-or-create from contract holders, SIRENE enrichment."""

import functools
import logging

from django.utils import timezone

from spaser.contracts.bulk import Inserter, select_pairs
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
        # (identifier type, identifier) as published -> (supplier id, establishment id or None)
        self.holder_ids: dict[tuple[str, str], tuple[int, int | None]] = {}

    def ensure(self, holders) -> None:
        """``holders``: iterable of (id_type, identifier, name). Plain SQL on the unique keys, no ORM
        instance: this runs for every batch of the DECP import. Afterwards ``holder_ids`` knows them all."""
        holder_ids = self.holder_ids
        new: dict[tuple[str, str], str] = {}
        for id_type, identifier, name in holders:
            if (id_type, identifier) not in holder_ids and (id_type, identifier) not in new:
                new[id_type, identifier] = name
        if not new:
            return
        wanted: dict[str, tuple] = {}
        wanted_establishments: dict[str, str] = {}
        suppliers = self.suppliers
        for (id_type, identifier), name in new.items():
            key, siren, siret = supplier_key(id_type, identifier)
            if key not in suppliers and key not in wanted:
                wanted[key] = (
                    key,
                    siren,
                    id_type if siren is None else IdentifierType.SIRET,
                    identifier if siren is None else siren,
                    name,
                )
            if siret and siret not in self.establishments:
                wanted_establishments[siret] = key
        if wanted:
            suppliers.update(select_pairs(Supplier, ["key"], ["key", "id"], list(wanted)))
            missing = [values for key, values in wanted.items() if key not in suppliers]
            if missing:
                now = timezone.now()
                inserted = _supplier_inserter().insert([(*values, "", "", "", "", now, now) for values in missing])
                suppliers.update(inserted)
                if len(inserted) < len(missing):  # written meanwhile by another import
                    suppliers.update(
                        select_pairs(
                            Supplier, ["key"], ["key", "id"], [v[0] for v in missing if v[0] not in suppliers]
                        )
                    )
        if wanted_establishments:
            establishments = self.establishments
            establishments.update(select_pairs(Establishment, ["siret"], ["siret", "id"], list(wanted_establishments)))
            missing = [
                (siret, suppliers[key]) for siret, key in wanted_establishments.items() if siret not in establishments
            ]
            if missing:
                now = timezone.now()
                inserted = _establishment_inserter().insert([(*values, "", "", "", now, now) for values in missing])
                establishments.update(inserted)
                if len(inserted) < len(missing):
                    establishments.update(
                        select_pairs(
                            Establishment,
                            ["siret"],
                            ["siret", "id"],
                            [s for s, _ in missing if s not in establishments],
                        )
                    )
        for id_type, identifier in new:
            key, _, siret = supplier_key(id_type, identifier)
            holder_ids[id_type, identifier] = (suppliers[key], self.establishments.get(siret) if siret else None)


@functools.cache
def _supplier_inserter() -> Inserter:
    return Inserter(
        Supplier,
        [
            "key",
            "siren",
            "identifier_type",
            "identifier",
            "name",
            "legal_form",
            "category",
            "headcount_band",
            "naf_code",
            "created_at",
            "updated_at",
        ],
        returning=["key", "id"],
        conflict_columns=["key"],
    )


@functools.cache
def _establishment_inserter() -> Inserter:
    return Inserter(
        Establishment,
        ["siret", "supplier_id", "name", "postcode", "headcount_band", "created_at", "updated_at"],
        returning=["siret", "id"],
        conflict_columns=["siret"],
    )


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
