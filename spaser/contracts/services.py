"""Writes on contracts: bulk upsert of normalised DECP rows (``spaser.imports.pipelines.decp.ContractRow``).

Outcome of each row (the import journal adds them up: read = created + updated + unchanged + merged + rejected):

- ``created``: a new (buyer SIRET, id);
- ``updated``: known, and this publication is newer (see ``_version``) and says something else;
- ``unchanged``: known from this source with the same content (or an older publication of it);
- ``merged``: the same contract from another publication (another platform, or a duplicate in this run):
  its source is recorded; its content replaces the stored one only if it is newer.

A publication of the same key with another object, other initial holders or another notification date is another
contract (a divergent duplicate, ``duplicates``): it gets the same outcome, and the one not shown is kept beside
the contract, whose anomalies say which fields differ.
"""

import datetime as dt
import functools
import json
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils.text import slugify

from spaser.accounts.enums import OrganisationKind
from spaser.accounts.models import Organisation
from spaser.contracts import duplicates, enums
from spaser.contracts.bulk import (
    SQL_BOOL,
    Inserter,
    PendingCopy,
    ReferenceChecks,
    json_text,
    select_pairs,
    sql_date,
    sql_decimal,
)
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
    "identity",
    "divergent_fields",
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
    "identity",
    "divergent_fields",
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

    def __init__(self, *, run, source_file: str, place_resolver, family_resolver=None, set_based_checks=False):
        """``set_based_checks``: on PostgreSQL, the foreign keys of the contracts, holders and modifications
        written are checked once, by ``finish()``, instead of row by row (``bulk.ReferenceChecks``); the caller
        must then call ``finish()`` before its transaction commits."""
        self.run = run
        self.references = ReferenceChecks(
            Contract, [(ContractHolder, "contract"), (ContractModification, "contract")], enabled=set_based_checks
        )
        self.source_file = source_file[:255]
        self.places = place_resolver
        self.family_resolver = family_resolver or _resolve_families
        self.families: dict[str, int | None] = {}
        self.buyers: dict[str, int] = {}
        self.suppliers = SupplierRegistry()
        self.pending = PendingCopy()
        self.stats = LoadStats()
        self.divergences = duplicates.DivergenceTracker(source_file=self.source_file, anomalies=self.stats.anomalies)
        self.now = dt.datetime.now(dt.UTC)
        self.now_db = connection.ops.adapt_datetimefield_value(self.now)

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

        Contracts are handled as tuples of column values in ``CONTENT_FIELDS`` order, already in the form both
        database drivers take (``_build``): building ORM instances, or dicts adapted value by value, would
        cost more than the whole normalisation."""
        self.pending.settle()
        if not items:
            return
        rows = [row for _, row in items]
        self._ensure_buyers(rows)
        new_codes = {row.cpv for row in rows if row.cpv and row.cpv not in self.families}
        if new_codes:
            self.families.update(self.family_resolver(new_codes))
        self.suppliers.ensure(
            (h.id_type, h.identifier, h.name)
            for row in rows
            for holders in ((row.holders,) if row.modifications == () else (row.holders, row.current_holders))
            for h in holders
        )
        existing = self._existing(rows)
        # What each written contract is built from, (row, record, digest, sources): its values are built once
        # the holders are sent (``_build``), while the server stores them.
        to_create: dict[tuple, tuple] = {}
        to_update: dict[tuple, tuple] = {}  # key -> (what it is built from, contract id)
        sources_only: dict[tuple, dict] = {}
        children: dict[tuple, object] = {}
        # (last publication, modification count, fingerprint, sources) of the rows pending in this batch
        versions: dict[tuple, tuple] = {}
        # (row, record, digest, source) of the publication pending in this batch for each key it writes
        shown: dict[tuple, tuple] = {}
        divergences = self.divergences
        outcomes = self.stats.outcomes
        anomalies = self.stats.anomalies
        run_id = self.run.pk
        for record, row in items:
            key = (row.buyer_siret, row.external_id)
            source = row.source or self.source_file
            digest = row.content_hash()
            for anomaly in row.anomalies:
                anomalies[anomaly.split(":", 1)[0]] += 1
            current = sources_only.get(key) or existing.get(key)
            pending = key in to_create or key in to_update
            if current is None and not pending:
                to_create[key] = (row, record, digest, [source])
                children[key] = row
                versions[key] = (row.last_published_on, len(row.modifications), digest, [source])
                shown[key] = (row, record, digest, source)
                outcomes[CREATED] += 1
                continue
            if pending:
                last_published_on, modification_count, current_digest, sources = versions[key]
            else:
                last_published_on, modification_count, current_digest, sources = (
                    current["last_published_on"],
                    current["modification_count"],
                    current["content_hash"],
                    current["sources"],
                )
            if digest != current_digest:
                # Another content: only a different object, holders or notification date is another contract.
                if pending:
                    previous = shown[key]
                    if duplicates.identity_fingerprint(row) != duplicates.identity_fingerprint(previous[0]):
                        divergences.note(key, (row, record, digest, source), previous)
                elif divergences.differs(row, current["identity"]):
                    divergences.note(key, (row, record, digest, source), None)
            same_run = pending or current["import_run_id"] == run_id
            newer = _version(row.last_published_on, len(row.modifications), digest) > _version(
                last_published_on, modification_count, current_digest
            )
            known_source = source in sources
            if same_run:
                outcome, replace = MERGED, newer
            elif digest == current_digest:
                outcome, replace = (UNCHANGED if known_source else MERGED), False
            elif newer:
                outcome, replace = UPDATED, True
            else:
                outcome, replace = (UNCHANGED if known_source else MERGED), False
            outcomes[outcome] += 1
            if not known_source:
                sources = [*sources, source]
            if replace:
                built_from = (row, record, digest, sources)
                if key in to_create:
                    to_create[key] = built_from
                else:
                    contract_id = to_update[key][1] if key in to_update else current["id"]
                    to_update[key] = (built_from, contract_id)
                    sources_only.pop(key, None)
                versions[key] = (row.last_published_on, len(row.modifications), digest, sources)
                shown[key] = (row, record, digest, source)
                children[key] = row
            elif not known_source:
                if pending:
                    # A duplicate in this batch from another source: the pending values get the new list.
                    versions[key] = (last_published_on, modification_count, current_digest, sources)
                    self._set_sources(to_create, to_update, key, sources)
                else:
                    current["sources"] = sources
                    current["import_run_id"] = run_id
                    sources_only[key] = current

        # The rare keys published with another identity: their stored details are read before any write.
        divergences.resolve(shown=shown, existing=existing)
        if sources_only:
            Contract.objects.bulk_update(
                [Contract(id=v["id"], sources=v["sources"], import_run_id=run_id) for v in sources_only.values()],
                ["sources", "import_run"],
                batch_size=500,
            )
        ids = {}
        if to_update:
            ids.update({key: contract_id for key, (_, contract_id) in to_update.items()})
            updated_ids = [contract_id for _, contract_id in to_update.values()]
            ContractHolder.objects.filter(contract_id__in=updated_ids).delete()
            ContractModification.objects.filter(contract_id__in=updated_ids).delete()
        # New contracts are written last, with ids taken beforehand, so that their COPY (the largest of the
        # batch) is left to the server while the next batch is read (``PendingCopy``). Their modifications and
        # holders go first, the holders' COPY left to the server while the contracts' values are built: the
        # foreign keys are checked at the end (``ReferenceChecks``, or deferred constraints), never row by row.
        inserter = _contract_inserter()
        new_ids = inserter.reserve_ids(len(to_create))
        ids.update(zip(to_create, new_ids, strict=True))
        divergences.write(ids)
        with self.references.writing(self.pending) as written:
            written.extend(ids.values())
            self._write_children(children, ids, written)
            updated_rows = [
                self._build(*built_from, divergences.divergent_fields(key, existing)) + (contract_id,)
                for key, (built_from, contract_id) in to_update.items()
            ]
            created_at = self.now_db
            new_rows = [
                (pk, *key, *self._build(*built_from, divergences.divergent_fields(key, existing)), created_at)
                for pk, (key, built_from) in zip(new_ids, to_create.items(), strict=True)
            ]
            if updated_rows:
                self.pending.settle()
                _contract_updater().update(updated_rows)
            inserter.insert_identified(new_rows, pending=self.pending)

    def _write_children(self, children, ids, written) -> None:
        """Modifications and holders of the contracts being written, the holders' COPY left pending on
        PostgreSQL; ``written`` gets the contract ids they carry."""
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
                    sql_date(m.notified_on),
                    sql_date(m.published_on),
                    m.duration_months,
                    sql_decimal(m.amount),
                    json_text([[h.id_type, h.identifier, h.name] for h in m.holders]) if m.holders else None,
                )
                for m in row.modifications
            )
        if modifications:
            _modification_inserter().insert(modifications)
            written.extend(modification[0] for modification in modifications)
        if holders:
            _holder_inserter().insert(holders, pending=self.pending)
            written.extend(holder[0] for holder in holders)

    def finish(self) -> None:
        """Waits for the last write and checks the foreign keys of everything written (set-based checks); call
        it before the commit."""
        self.pending.settle()
        self.references.verify()

    def settle(self) -> None:
        """Waits for the last write: call it before using the connection for anything else."""
        self.pending.settle()

    def discard(self) -> None:
        """On the way out of a failing import: the connection is made ready for the ROLLBACK."""
        self.pending.discard()

    @staticmethod
    def _set_sources(to_create, to_update, key, sources):
        if key in to_create:
            to_create[key] = to_create[key][:-1] + (sources,)
        else:
            built_from, contract_id = to_update[key]
            to_update[key] = (built_from[:-1] + (sources,), contract_id)

    def _existing(self, rows) -> dict[tuple, dict]:
        """Known contracts of these rows, by (buyer SIRET, id), through the unique index (plain SQL)."""
        keys = {(row.buyer_siret, row.external_id) for row in rows}
        found = select_pairs(Contract, ["buyer_siret", "external_id"], _EXISTING_COLUMNS, keys)
        existing = {}
        for (
            pk,
            siret,
            external_id,
            digest,
            sources,
            run_id,
            last_published_on,
            modification_count,
            identity,
            divergent_fields,
        ) in found:
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
                "identity": identity,
                "divergent_fields": divergent_fields,
            }
        return existing

    def _build(self, row, record, digest: str, sources: list[str], divergent: str) -> tuple:
        """The content values of a contract, in ``CONTENT_FIELDS`` order, in the plainest types both drivers
        take as they are (``bulk.sql_*``): JSON as text (short label lists encoded once each), dates and decimals
        as text, booleans as 0/1, what each backend stores for them anyway. ``divergent``: the fields in which
        another publication of the key differs (``duplicates``), listed in the anomalies."""
        anomalies = row.anomalies if not divergent else [*row.anomalies, duplicates.anomaly(divergent)]
        place = self.places.resolve(row.place_type, row.place_code)
        cpv = row.cpv
        text = record.text
        return (
            row.kind,
            self.buyers[row.buyer_siret],
            row.nature,
            row.object,
            cpv,
            cpv[:2],
            self.families.get(cpv),
            row.procedure,
            _labels_json(row.techniques),
            _labels_json(row.execution_modalities),
            row.framework_id,
            SQL_BOOL[row.innovative],
            row.ccag,
            row.offers_received,
            SQL_BOOL[row.advance],
            sql_decimal(row.advance_rate),
            row.grouping,
            SQL_BOOL[row.subcontracting_declared],
            json_text(list(row.subcontracting_acts)) if row.subcontracting_acts else "[]",
            row.place_type,
            row.place_code,
            row.place_name,
            place.commune_id,
            place.departement_id,
            place.region_id,
            row.duration_months,
            row.current_duration,
            sql_date(row.notified_on),
            sql_date(row.published_on),
            sql_date(row.last_published_on),
            sql_date(row.start_on),
            sql_decimal(row.initial_amount),
            sql_decimal(row.current_amount),
            sql_decimal(row.public_subsidy),
            row.price_form,
            _labels_json(row.price_types),
            sql_decimal(row.eu_origin_share),
            sql_decimal(row.fr_origin_share),
            *_consideration_flags(row.social, row.environmental),
            len(row.modifications),
            _labels_json(anomalies),
            row.format_version,
            _labels_json(sources),  # the same few lists of sources, encoded once each
            self.source_file,
            self.run.pk,
            digest,
            duplicates.identity_fingerprint(row),
            divergent,
            text if text is not None else json_text(record.data),
            self.now_db,
        )

    def _holders(self, contract_id: int, row) -> list[tuple]:
        initial = row.holders
        current = row.current_holders
        ids = self.suppliers.holder_ids
        if current is initial:  # no modification changed the holders: the usual case
            return [
                (contract_id, rank, h.id_type, h.identifier, h.name, *ids[h.id_type, h.identifier], 1, 1)
                for rank, h in enumerate(initial, 1)
            ]
        ordered = list(initial) + [h for h in current if h not in initial]
        return [
            (
                contract_id,
                rank,
                h.id_type,
                h.identifier,
                h.name,
                *ids[h.id_type, h.identifier],
                SQL_BOOL[h in initial],
                SQL_BOOL[h in current],
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


@functools.cache
def _contract_inserter() -> Inserter:
    return Inserter(Contract, INSERT_FIELDS, returning=["id", "buyer_siret", "external_id"], prepared=True)


# Every content field by its column name, then the primary key (created_at is kept as it was).
UPDATE_FIELDS = [*(Contract._meta.get_field(name).attname for name in CONTENT_FIELDS), "id"]


@functools.cache
def _contract_updater() -> Inserter:
    return Inserter(Contract, UPDATE_FIELDS, prepared=True)


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
        prepared=True,
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
        prepared=True,
    )


@functools.lru_cache(maxsize=10_000)
def _consideration_flags(social, environmental) -> tuple:
    """(published, the four social flags, the three environmental flags) as 0/1, computed once per
    combination of published values (a handful occur)."""
    published = social is not None or environmental is not None
    social, environmental = social or (), environmental or ()
    return tuple(
        int(flag)
        for flag in (
            published,
            enums.SocialConsideration.CLAUSE in social,
            enums.SocialConsideration.CRITERION in social,
            enums.SocialConsideration.RESERVED in social,
            enums.SocialConsideration.NONE in social,
            enums.EnvironmentalConsideration.CLAUSE in environmental,
            enums.EnvironmentalConsideration.CRITERION in environmental,
            enums.EnvironmentalConsideration.NONE in environmental,
        )
    )


_LABELS_JSON: dict[tuple, str] = {}


def _labels_json(values) -> str:
    """JSON text of a short list of labels; the few combinations that occur are encoded once each."""
    key = tuple(values)
    encoded = _LABELS_JSON.get(key)
    if encoded is None:
        encoded = json_text(list(key))
        if len(_LABELS_JSON) < 10_000:
            _LABELS_JSON[key] = encoded
    return encoded


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
