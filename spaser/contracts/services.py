"""Writes on contracts: bulk upsert of normalised DECP rows (``spaser.imports.pipelines.decp.ContractRow``).

Outcome of each row (the import journal adds them up: read = created + updated + unchanged + merged + rejected):

- ``created``: a new (buyer SIRET, id);
- ``updated``: known, and this publication is newer (see ``_version``) and says something else;
- ``unchanged``: known from this source with the same content (or an older publication of it);
- ``merged``: the same contract from another publication (another platform, or a duplicate in this run):
  its source is recorded; its content replaces the stored one only if it is newer.
"""

import datetime as dt
import functools
import json
import logging
import operator
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import slugify

from spaser.accounts.enums import OrganisationKind
from spaser.accounts.models import Organisation
from spaser.contracts import enums
from spaser.contracts.bulk import Inserter, JsonText, select_pairs
from spaser.contracts.models import Contract, ContractHolder, ContractModification
from spaser.suppliers.services import SupplierRegistry

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED, MERGED = "created", "updated", "unchanged", "merged"
CONTENT_FIELDS = [
    "kind",
    "buyer",
    "nature",
    "object",
    "cpv",
    "cpv_division",
    "family",
    "procedure",
    "techniques",
    "execution_modalities",
    "framework_id",
    "is_innovative",
    "ccag",
    "offers_received",
    "advance",
    "advance_rate",
    "grouping",
    "subcontracting_declared",
    "subcontracting_acts",
    "place_type",
    "place_code",
    "place_name",
    "place_commune",
    "place_departement",
    "place_region",
    "duration_months",
    "current_duration_months",
    "notified_on",
    "published_on",
    "last_published_on",
    "start_on",
    "initial_amount",
    "current_amount",
    "public_subsidy",
    "price_form",
    "price_types",
    "eu_origin_share",
    "fr_origin_share",
    "considerations_published",
    "social_clause",
    "social_criterion",
    "social_reserved",
    "social_none",
    "environmental_clause",
    "environmental_criterion",
    "environmental_none",
    "modification_count",
    "anomalies",
    "format_version",
    "sources",
    "source_file",
    "import_run",
    "content_hash",
    "raw",
    "updated_at",
]


_EXISTING_COLUMNS = [
    "id",
    "buyer_siret",
    "external_id",
    "content_hash",
    "sources",
    "import_run_id",
    "last_published_on",
    "modification_count",
]


@dataclass
class LoadStats:
    outcomes: Counter = field(default_factory=Counter)
    anomalies: Counter = field(default_factory=Counter)


def _version(last_published_on, modification_count, content_hash) -> tuple:
    """Total order of two publications of one contract: latest publication date, then most modifications,
    then (arbitrary but deterministic, so that re-importing a file is idempotent) the content fingerprint."""
    return (last_published_on or dt.date.min, modification_count, content_hash)


class ContractLoader:
    """Upserts batches of rows inside the caller's transaction; caches ids of buyers and suppliers."""

    def __init__(self, *, run, source_file: str, place_resolver, family_resolver=None):
        self.run = run
        self.source_file = source_file[:255]
        self.places = place_resolver
        self.family_resolver = family_resolver or _resolve_families
        self.families: dict[str, int | None] = {}
        self.buyers: dict[str, int] = {}
        self.suppliers = SupplierRegistry()
        self.stats = LoadStats()
        self.now = dt.datetime.now(dt.UTC)

    # --- buyers ------------------------------------------------------------------------------------
    def _ensure_buyers(self, rows):
        names = {}
        for row in rows:
            if row.buyer_siret not in self.buyers:
                names.setdefault(row.buyer_siret, row.buyer_name)
                if not names[row.buyer_siret]:
                    names[row.buyer_siret] = row.buyer_name
        if not names:
            return
        self.buyers.update(Organisation.objects.filter(siret__in=list(names)).values_list("siret", "pk"))
        missing = [siret for siret in names if siret not in self.buyers]
        if missing:
            # No name in the 2024 format (it comes from SIRENE): the SIRET stands in until then.
            Organisation.objects.bulk_create(
                [
                    Organisation(
                        siret=siret,
                        name=(names[siret] or f"Acheteur {siret}")[:255],
                        kind=_guess_kind(names[siret]),
                    )
                    for siret in missing
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
            self.buyers.update(Organisation.objects.filter(siret__in=missing).values_list("siret", "pk"))

    # --- contracts ---------------------------------------------------------------------------------
    def load(self, items) -> None:
        """``items``: list of (RawRecord, ContractRow). Each row gets one outcome in ``self.stats``.

        Contracts are handled as dicts of column values (attnames): building ORM instances for every row
        would cost more than the whole normalisation."""
        if not items:
            return
        rows = [row for _, row in items]
        self._ensure_buyers(rows)
        new_codes = {row.cpv for row in rows if row.cpv and row.cpv not in self.families}
        if new_codes:
            self.families.update(self.family_resolver(new_codes))
        self.suppliers.ensure(
            (h.id_type, h.identifier, h.name) for row in rows for h in {*row.holders, *row.current_holders}
        )
        existing = self._existing(rows)
        to_create: dict[tuple, dict] = {}
        to_update: dict[tuple, dict] = {}
        sources_only: dict[tuple, dict] = {}
        children: dict[tuple, object] = {}
        outcomes = self.stats.outcomes
        anomalies = self.stats.anomalies
        run_id = self.run.pk
        for record, row in items:
            key = (row.buyer_siret, row.external_id)
            source = row.source or self.source_file
            digest = row.content_hash()
            for anomaly in row.anomalies:
                anomalies[anomaly.split(":", 1)[0]] += 1
            pending = to_create.get(key) or to_update.get(key)
            current = pending or sources_only.get(key) or existing.get(key)
            if current is None:
                to_create[key] = self._build(row, record, source, digest)
                children[key] = row
                outcomes[CREATED] += 1
                continue
            same_run = pending is not None or current["import_run_id"] == run_id
            newer = _version(row.last_published_on, len(row.modifications), digest) > _version(
                current["last_published_on"], current["modification_count"], current["content_hash"]
            )
            known_source = source in current["sources"]
            if same_run:
                outcome, replace = MERGED, newer
            elif digest == current["content_hash"]:
                outcome, replace = (UNCHANGED if known_source else MERGED), False
            elif newer:
                outcome, replace = UPDATED, True
            else:
                outcome, replace = (UNCHANGED if known_source else MERGED), False
            outcomes[outcome] += 1
            sources = current["sources"] if known_source else [*current["sources"], source]
            if replace:
                values = self._build(row, record, source, digest, sources=sources)
                if key in to_create:
                    to_create[key] = values
                else:
                    values["id"] = current["id"]
                    to_update[key] = values
                    sources_only.pop(key, None)
                children[key] = row
            elif not known_source:
                current["sources"] = sources
                current["import_run_id"] = run_id
                if key not in to_create and key not in to_update:
                    sources_only[key] = current

        ids = {}
        if to_create:
            inserted = _contract_inserter().insert([_insert_values(v) for v in to_create.values()])
            ids.update({(siret, external_id): pk for pk, siret, external_id in inserted})
        if to_update:
            ids.update({key: values["id"] for key, values in to_update.items()})
            updated_ids = list(ids[key] for key in to_update)
            ContractHolder.objects.filter(contract_id__in=updated_ids).delete()
            ContractModification.objects.filter(contract_id__in=updated_ids).delete()
            _contract_updater().update([_update_values(values) for values in to_update.values()])
        if sources_only:
            Contract.objects.bulk_update(
                [Contract(id=v["id"], sources=v["sources"], import_run_id=run_id) for v in sources_only.values()],
                ["sources", "import_run"],
                batch_size=500,
            )
        holders, modifications = [], []
        for key, row in children.items():
            contract_id = ids[key]
            holders.extend(self._holders(contract_id, row))
            modifications.extend(
                (
                    contract_id,
                    m.rank,
                    m.number,
                    m.object,
                    m.notified_on,
                    m.published_on,
                    m.duration_months,
                    m.amount,
                    [[h.id_type, h.identifier, h.name] for h in m.holders] if m.holders else None,
                )
                for m in row.modifications
            )
        if holders:
            _holder_inserter().insert(holders)
        if modifications:
            _modification_inserter().insert(modifications)

    def _existing(self, rows) -> dict[tuple, dict]:
        """Known contracts of these rows, by (buyer SIRET, id), through the unique index (plain SQL)."""
        keys = {(row.buyer_siret, row.external_id) for row in rows}
        found = select_pairs(Contract, ["buyer_siret", "external_id"], _EXISTING_COLUMNS, keys)
        existing = {}
        for pk, siret, external_id, digest, sources, run_id, last_published_on, modification_count in found:
            if isinstance(sources, str):  # SQLite returns JSON and dates as text
                sources = json.loads(sources)
            if isinstance(last_published_on, str):
                last_published_on = dt.date.fromisoformat(last_published_on)
            existing[(siret, external_id)] = {
                "id": pk,
                "buyer_siret": siret,
                "external_id": external_id,
                "content_hash": digest,
                "sources": sources,
                "import_run_id": run_id,
                "last_published_on": last_published_on,
                "modification_count": modification_count,
            }
        return existing

    def _build(self, row, record, source: str, digest: str, *, sources=None) -> dict:
        place = self.places.resolve(row.place_type, row.place_code)
        social = row.social or ()
        environmental = row.environmental or ()
        now = self.now
        return {
            "kind": row.kind,
            "buyer_id": self.buyers[row.buyer_siret],
            "buyer_siret": row.buyer_siret,
            "external_id": row.external_id,
            "nature": row.nature,
            "object": row.object,
            "cpv": row.cpv,
            "cpv_division": row.cpv[:2],
            "family_id": self.families.get(row.cpv),
            "procedure": row.procedure,
            "techniques": list(row.techniques),
            "execution_modalities": list(row.execution_modalities),
            "framework_id": row.framework_id,
            "is_innovative": row.innovative,
            "ccag": row.ccag,
            "offers_received": row.offers_received,
            "advance": row.advance,
            "advance_rate": row.advance_rate,
            "grouping": row.grouping,
            "subcontracting_declared": row.subcontracting_declared,
            "subcontracting_acts": list(row.subcontracting_acts),
            "place_type": row.place_type,
            "place_code": row.place_code,
            "place_name": row.place_name,
            "place_commune_id": place.commune_id,
            "place_departement_id": place.departement_id,
            "place_region_id": place.region_id,
            "duration_months": row.duration_months,
            "current_duration_months": row.current_duration,
            "notified_on": row.notified_on,
            "published_on": row.published_on,
            "last_published_on": row.last_published_on,
            "start_on": row.start_on,
            "initial_amount": row.initial_amount,
            "current_amount": row.current_amount,
            "public_subsidy": row.public_subsidy,
            "price_form": row.price_form,
            "price_types": list(row.price_types),
            "eu_origin_share": row.eu_origin_share,
            "fr_origin_share": row.fr_origin_share,
            "considerations_published": row.social is not None or row.environmental is not None,
            "social_clause": enums.SocialConsideration.CLAUSE in social,
            "social_criterion": enums.SocialConsideration.CRITERION in social,
            "social_reserved": enums.SocialConsideration.RESERVED in social,
            "social_none": enums.SocialConsideration.NONE in social,
            "environmental_clause": enums.EnvironmentalConsideration.CLAUSE in environmental,
            "environmental_criterion": enums.EnvironmentalConsideration.CRITERION in environmental,
            "environmental_none": enums.EnvironmentalConsideration.NONE in environmental,
            "modification_count": len(row.modifications),
            "anomalies": row.anomalies,
            "format_version": row.format_version,
            "sources": sources or [source],
            "source_file": self.source_file,
            "import_run_id": self.run.pk,
            "content_hash": digest,
            "raw": JsonText(record.text) if record.text is not None else record.data,
            "created_at": now,
            "updated_at": now,
        }

    def _holders(self, contract_id: int, row) -> list[tuple]:
        initial = row.holders
        current = row.current_holders
        ordered = list(initial) + [h for h in current if h not in initial]
        suppliers = self.suppliers
        return [
            (
                contract_id,
                rank,
                h.id_type,
                h.identifier,
                h.name,
                suppliers.supplier_id(h.id_type, h.identifier),
                suppliers.establishment_id(h.id_type, h.identifier),
                h in initial,
                h in current,
            )
            for rank, h in enumerate(ordered, 1)
        ]


# The natural key, then every content field by its column name, then the creation time.
INSERT_FIELDS = [
    "buyer_siret",
    "external_id",
    *(Contract._meta.get_field(name).attname for name in CONTENT_FIELDS),
    "created_at",
]


_insert_values = operator.itemgetter(*INSERT_FIELDS)


@functools.cache
def _contract_inserter() -> Inserter:
    return Inserter(Contract, INSERT_FIELDS, returning=["id", "buyer_siret", "external_id"])


# Every content field by its column name, then the primary key (created_at is kept as it was).
UPDATE_FIELDS = [*(Contract._meta.get_field(name).attname for name in CONTENT_FIELDS), "id"]
_update_values = operator.itemgetter(*UPDATE_FIELDS)


@functools.cache
def _contract_updater() -> Inserter:
    return Inserter(Contract, UPDATE_FIELDS)


@functools.cache
def _holder_inserter() -> Inserter:
    return Inserter(
        ContractHolder,
        [
            "contract_id",
            "rank",
            "identifier_type",
            "identifier",
            "name",
            "supplier_id",
            "establishment_id",
            "is_initial",
            "is_current",
        ],
    )


@functools.cache
def _modification_inserter() -> Inserter:
    return Inserter(
        ContractModification,
        [
            "contract_id",
            "rank",
            "number",
            "object",
            "notified_on",
            "published_on",
            "duration_months",
            "amount",
            "holders",
        ],
    )


def _resolve_families(codes) -> dict[str, int | None]:
    """CPV code → purchase family id, through the référentiel (longest matching prefix rule)."""
    from spaser.referentiel.selectors import resolve_families

    return {code: (family.pk if family else None) for code, family in resolve_families(codes).items()}


_KIND_WORDS = [
    ("region", OrganisationKind.REGION),
    ("departement", OrganisationKind.DEPARTEMENT),
    ("communaute", OrganisationKind.EPCI),
    ("metropole", OrganisationKind.EPCI),
    ("commune", OrganisationKind.COMMUNE),
    ("mairie", OrganisationKind.COMMUNE),
    ("ville", OrganisationKind.COMMUNE),
]


def _guess_kind(name: str) -> str:
    words = slugify(name or "").split("-")
    for word, kind in _KIND_WORDS:
        if word in words:
            return kind
    return OrganisationKind.OTHER
