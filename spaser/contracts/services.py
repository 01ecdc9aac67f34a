"""Writes on contracts: bulk upsert of normalised DECP rows (``spaser.imports.pipelines.decp.ContractRow``).

Outcome of each row (the import journal adds them up: read = created + updated + unchanged + merged + rejected):

- ``created``: a new (buyer SIRET, id);
- ``updated``: known, and this publication is newer (see ``_version``) and says something else;
- ``unchanged``: known from this source with the same content (or an older publication of it);
- ``merged``: the same contract from another publication (another platform, or a duplicate in this run):
  its source is recorded; its content replaces the stored one only if it is newer.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import slugify

from spaser.accounts.enums import OrganisationKind
from spaser.accounts.models import Organisation
from spaser.contracts import enums
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
        """``items``: list of (RawRecord, ContractRow). Each row gets one outcome in ``self.stats``."""
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
        to_create: dict[tuple, Contract] = {}
        to_update: dict[tuple, Contract] = {}
        sources_only: dict[tuple, Contract] = {}
        children: dict[tuple, tuple] = {}
        outcomes = self.stats.outcomes
        for record, row in items:
            key = (row.buyer_siret, row.external_id)
            source = row.source or self.source_file
            digest = row.content_hash()
            for anomaly in row.anomalies:
                self.stats.anomalies[anomaly.split(":", 1)[0]] += 1
            pending = to_create.get(key) or to_update.get(key)
            current = pending or sources_only.get(key) or existing.get(key)
            if current is None:
                contract = self._build(row, record, source, digest)
                to_create[key] = contract
                children[key] = row
                outcomes[CREATED] += 1
                continue
            same_run = pending is not None or current.import_run_id == self.run.pk
            newer = _version(row.last_published_on, len(row.modifications), digest) > _version(
                current.last_published_on, current.modification_count, current.content_hash
            )
            known_source = source in current.sources
            if same_run:
                outcome = MERGED
                replace = newer
            elif digest == current.content_hash:
                outcome = UNCHANGED if known_source else MERGED
                replace = False
            elif newer:
                outcome, replace = UPDATED, True
            else:
                outcome = UNCHANGED if known_source else MERGED
                replace = False
            outcomes[outcome] += 1
            sources = current.sources if known_source else [*current.sources, source]
            if replace:
                contract = self._build(row, record, source, digest, pk=current.pk, sources=sources)
                contract.created_at = current.created_at
                if key in to_create:
                    to_create[key] = contract
                else:
                    to_update[key] = contract
                    sources_only.pop(key, None)
                children[key] = row
            elif not known_source:
                current.sources = sources
                current.import_run_id = self.run.pk
                if key not in to_create and key not in to_update:
                    sources_only[key] = current

        if to_create:
            Contract.objects.bulk_create(to_create.values(), batch_size=500)
        if to_update:
            ids = [c.pk for c in to_update.values()]
            ContractHolder.objects.filter(contract_id__in=ids).delete()
            ContractModification.objects.filter(contract_id__in=ids).delete()
            Contract.objects.bulk_update(to_update.values(), CONTENT_FIELDS, batch_size=200)
        if sources_only:
            Contract.objects.bulk_update(sources_only.values(), ["sources", "import_run"], batch_size=500)
        holders, modifications = [], []
        for key, row in children.items():
            contract = to_create.get(key) or to_update[key]
            holders.extend(self._holders(contract.pk, row))
            modifications.extend(
                ContractModification(
                    contract_id=contract.pk,
                    rank=m.rank,
                    number=m.number,
                    object=m.object,
                    notified_on=m.notified_on,
                    published_on=m.published_on,
                    duration_months=m.duration_months,
                    amount=m.amount,
                    holders=[[h.id_type, h.identifier, h.name] for h in m.holders] if m.holders else None,
                )
                for m in row.modifications
            )
        ContractHolder.objects.bulk_create(holders, batch_size=1000)
        ContractModification.objects.bulk_create(modifications, batch_size=1000)

    def _existing(self, rows) -> dict[tuple, Contract]:
        keys = {(row.buyer_siret, row.external_id) for row in rows}
        # Two IN lists rather than one OR per key (SQLite limits the depth of an expression);
        # the few extra pairs are dropped below.
        found = Contract.objects.filter(
            buyer_siret__in={siret for siret, _ in keys}, external_id__in={external_id for _, external_id in keys}
        ).only(
            "pk",
            "buyer_siret",
            "external_id",
            "content_hash",
            "sources",
            "import_run_id",
            "last_published_on",
            "modification_count",
            "created_at",
        )
        return {(c.buyer_siret, c.external_id): c for c in found if (c.buyer_siret, c.external_id) in keys}

    def _build(self, row, record, source: str, digest: str, *, pk=None, sources=None) -> Contract:
        place = self.places.resolve(row.place_type, row.place_code)
        social = set(row.social or ())
        environmental = set(row.environmental or ())
        now = dt.datetime.now(dt.UTC)
        return Contract(
            pk=pk,
            kind=row.kind,
            buyer_id=self.buyers[row.buyer_siret],
            buyer_siret=row.buyer_siret,
            external_id=row.external_id,
            nature=row.nature,
            object=row.object,
            cpv=row.cpv,
            cpv_division=row.cpv[:2],
            family_id=self.families.get(row.cpv),
            procedure=row.procedure,
            techniques=list(row.techniques),
            execution_modalities=list(row.execution_modalities),
            framework_id=row.framework_id,
            is_innovative=row.innovative,
            ccag=row.ccag,
            offers_received=row.offers_received,
            advance=row.advance,
            advance_rate=row.advance_rate,
            grouping=row.grouping,
            subcontracting_declared=row.subcontracting_declared,
            subcontracting_acts=list(row.subcontracting_acts),
            place_type=row.place_type,
            place_code=row.place_code,
            place_name=row.place_name,
            place_commune_id=place.commune_id,
            place_departement_id=place.departement_id,
            place_region_id=place.region_id,
            duration_months=row.duration_months,
            current_duration_months=row.current_duration,
            notified_on=row.notified_on,
            published_on=row.published_on,
            last_published_on=row.last_published_on,
            start_on=row.start_on,
            initial_amount=row.initial_amount,
            current_amount=row.current_amount,
            public_subsidy=row.public_subsidy,
            price_form=row.price_form,
            price_types=list(row.price_types),
            eu_origin_share=row.eu_origin_share,
            fr_origin_share=row.fr_origin_share,
            considerations_published=row.social is not None or row.environmental is not None,
            social_clause=enums.SocialConsideration.CLAUSE in social,
            social_criterion=enums.SocialConsideration.CRITERION in social,
            social_reserved=enums.SocialConsideration.RESERVED in social,
            social_none=enums.SocialConsideration.NONE in social,
            environmental_clause=enums.EnvironmentalConsideration.CLAUSE in environmental,
            environmental_criterion=enums.EnvironmentalConsideration.CRITERION in environmental,
            environmental_none=enums.EnvironmentalConsideration.NONE in environmental,
            modification_count=len(row.modifications),
            anomalies=row.anomalies,
            format_version=row.format_version,
            sources=sources or [source],
            source_file=self.source_file,
            import_run_id=self.run.pk,
            content_hash=digest,
            raw=record.data,
            created_at=now,
            updated_at=now,
        )

    def _holders(self, contract_id: int, row) -> list[ContractHolder]:
        initial = list(row.holders)
        current = list(row.current_holders)
        ordered = initial + [h for h in current if h not in initial]
        return [
            ContractHolder(
                contract_id=contract_id,
                rank=rank,
                identifier_type=h.id_type,
                identifier=h.identifier,
                name=h.name,
                supplier_id=self.suppliers.supplier_id(h.id_type, h.identifier),
                establishment_id=self.suppliers.establishment_id(h.id_type, h.identifier),
                is_initial=h in initial,
                is_current=h in current,
            )
            for rank, h in enumerate(ordered, 1)
        ]


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
