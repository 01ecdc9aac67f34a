"""Divergent duplicates: one (buyer SIRET, id) published twice for what are two different contracts.

Two publications of one key normally differ by what happened since (modifications, amounts): the newer one
replaces the older one (``services._version``). When their *identity* differs — object, initial holders
(identifiers) or notification date — merging them would make one of two contracts disappear. Then:

- the contract keeps showing the newest publication, as for any duplicate;
- every other publication of another identity is kept (``ContractPublication``), as published, with the
  published fields in which it differs from the one shown;
- the contract's anomalies list ``doublon_divergent:<fields>`` (published field names, e.g.
  ``objet,dateNotification``), whatever the order the publications arrived in, and keeps it when a later
  publication updates the contract (``Contract.divergent_fields``).

The import's hot path only compares two short fingerprints (``Contract.identity``), and only for a publication
whose content fingerprint differs from the stored one; the details are read for the few keys that differ.
"""

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from hashlib import blake2b

from spaser.contracts.bulk import json_text
from spaser.contracts.models import Contract, ContractHolder, ContractPublication

ANOMALY = "doublon_divergent"
# Published names of the fields compared, in the order the anomaly lists them.
FIELDS = ("objet", "titulaires", "dateNotification")


@dataclass(frozen=True, slots=True)
class Identity:
    """What tells two contracts apart, normalised: object (case and spacing ignored), identifiers of the
    initial holders (order ignored), notification date."""

    object: str
    holders: tuple[str, ...]
    notified_on: dt.date | None

    @classmethod
    def of(cls, object_text: str, holder_identifiers, notified_on) -> "Identity":
        return cls(
            " ".join((object_text or "").split()).casefold(), tuple(sorted(set(holder_identifiers))), notified_on
        )

    @classmethod
    def of_row(cls, row) -> "Identity":
        return cls.of(row.object, (h.identifier for h in row.holders), row.notified_on)

    @property
    def fingerprint(self) -> str:
        text = f"{self.object}\x1f{','.join(self.holders)}\x1f{self.notified_on or ''}"
        return blake2b(text.encode(), digest_size=8).hexdigest()

    def differences(self, other: "Identity") -> list[str]:
        """Published names of the fields that differ, in ``FIELDS`` order."""
        return [
            name
            for name, differs in zip(
                FIELDS,
                (
                    self.object != other.object,
                    self.holders != other.holders,
                    self.notified_on != other.notified_on,
                ),
                strict=True,
            )
            if differs
        ]


def identity_fingerprint(row) -> str:
    """``Identity.of_row(row).fingerprint``, without building the identity: computed for every contract written,
    it must stay cheap (about 2 µs; docs/benchmarks.md)."""
    holders = row.holders
    if len(holders) == 1:
        identifiers = holders[0].identifier
    else:
        identifiers = ",".join(sorted({h.identifier for h in holders}))
    text = f"{' '.join(row.object.split()).casefold()}\x1f{identifiers}\x1f{row.notified_on or ''}"
    return blake2b(text.encode(), digest_size=8).hexdigest()


def anomaly(fields: str) -> str:
    return f"{ANOMALY}:{fields}"


def _ordered(fields) -> str:
    return ",".join(name for name in FIELDS if name in fields)


@dataclass(slots=True)
class _Publication:
    digest: str
    source: str
    source_file: str
    published_on: dt.date | None
    object: str
    notified_on: dt.date | None
    holders: list  # [[type, identifier, name], ...]
    raw: str
    anomalies: tuple = ()  # of a stored contract: its anomalies as stored

    @property
    def identity(self) -> Identity:
        return Identity.of(self.object, (h[1] for h in self.holders), self.notified_on)


def _from_row(row, record, digest, source, source_file) -> _Publication:
    return _Publication(
        digest=digest,
        source=source,
        source_file=source_file,
        published_on=row.last_published_on,
        object=row.object,
        notified_on=row.notified_on,
        holders=[[h.id_type, h.identifier, h.name] for h in row.holders],
        raw=record.text if record.text is not None else json_text(record.data),
    )


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


class DivergenceTracker:
    """Collects, during a batch, the publications whose identity differs from the one shown for their key, then
    decides what to keep (``resolve``) and writes it (``write``) once the ids of new contracts are known."""

    def __init__(self, *, source_file: str, anomalies: Counter):
        self.source_file = source_file
        self.anomalies = anomalies
        self.noted: dict[tuple, dict[str, tuple]] = {}  # key -> digest -> (row, record, digest, source)
        self.rows_noted: Counter = Counter()
        self.resolved: dict[tuple, str] = {}  # key -> divergent fields ("" when none)
        self._reset_writes()

    def _reset_writes(self):
        # (stored contract id, or key of a new one, publication, differences)
        self._new: list[tuple[int | tuple, _Publication, list[str]]] = []
        self._updates: list[ContractPublication] = []
        self._deletes: list[int] = []
        self._contract_updates: list[tuple] = []  # stored contracts kept as shown, with new divergent fields

    def differs(self, row, current_fingerprint: str) -> bool:
        """Whether ``row`` may be another contract than the one shown (fingerprint ``current_fingerprint``;
        empty when unknown, and then checked on the details)."""
        return not current_fingerprint or identity_fingerprint(row) != current_fingerprint

    def note(self, key, publication: tuple, shown: tuple | None) -> None:
        """``publication`` (row, record, digest, source) differs from what is shown for ``key``: ``shown``, the
        publication of this batch shown so far, or None when it is the stored contract."""
        found = self.noted.setdefault(key, {})
        found.setdefault(publication[2], publication)
        if shown is not None:
            found.setdefault(shown[2], shown)
        self.rows_noted[key] += 1

    def resolve(self, *, shown: dict, existing: dict) -> None:
        """Decides, for each noted key, the publications kept beside the one shown and the divergent fields.

        ``shown``: key -> (row, record, digest, source) of the publication this batch writes for the key (created
        contracts and stored ones it rewrites); ``existing``: the stored contracts of the batch's keys
        (``ContractLoader._existing``)."""
        self.resolved = {}
        self._reset_writes()
        if not self.noted:
            return
        stored_ids = {existing[key]["id"]: key for key in self.noted if key in existing}
        details = _stored_details(stored_ids)
        stored_publications = _stored_publications(stored_ids)
        for key, publications in self.noted.items():
            contract_id = existing[key]["id"] if key in existing else None
            stored = details.get(contract_id)
            if key in shown:
                shown_publication = _from_row(*shown[key], self.source_file)
            else:
                shown_publication = stored
            shown_identity = shown_publication.identity
            candidates = [
                _from_row(*publication, self.source_file)
                for digest, publication in publications.items()
                if digest != shown_publication.digest
            ]
            if stored is not None and key in shown and stored.digest != shown_publication.digest:
                candidates.append(stored)  # the publication shown until now gives way to a newer one
            fields = set()
            kept = stored_publications.get(contract_id, {})
            for pk, (identity, differences, _) in kept.items():
                now = shown_identity.differences(identity)
                if not now:
                    self._deletes.append(pk)
                    continue
                fields.update(now)
                if now != differences:
                    self._updates.append(ContractPublication(pk=pk, differences=now))
            kept_digests = {digest for _, _, digest in kept.values()}
            for candidate in candidates:
                now = shown_identity.differences(candidate.identity)
                if not now:
                    continue
                fields.update(now)
                if candidate.digest not in kept_digests:
                    self._new.append((contract_id or key, candidate, now))
                    kept_digests.add(candidate.digest)
            divergent = _ordered(fields)
            self.resolved[key] = divergent
            if divergent:
                self.anomalies[ANOMALY] += self.rows_noted[key]
            if key not in shown and stored is not None:
                previous = existing[key]
                if divergent != previous["divergent_fields"] or not previous["identity"]:
                    self._contract_updates.append((contract_id, stored.anomalies, divergent, shown_identity))
        self.noted, self.rows_noted = {}, Counter()

    def divergent_fields(self, key, existing: dict) -> str:
        """The divergent fields written with the contract of ``key``: decided by this batch, or as stored."""
        if key in self.resolved:
            return self.resolved[key]
        current = existing.get(key)
        return current["divergent_fields"] if current else ""

    def write(self, ids: dict) -> None:
        """Writes what ``resolve`` decided (the contracts it shows are written by the loader, with
        ``divergent_fields``); ``ids``: key -> contract id, new contracts included."""
        if self._deletes:
            ContractPublication.objects.filter(pk__in=self._deletes).delete()
        if self._updates:
            ContractPublication.objects.bulk_update(self._updates, ["differences"])
        if self._new:
            ContractPublication.objects.bulk_create(
                [
                    ContractPublication(
                        contract_id=ids[target] if isinstance(target, tuple) else target,
                        content_hash=p.digest,
                        source=p.source[:255],
                        source_file=p.source_file[:255],
                        published_on=p.published_on,
                        object=p.object,
                        notified_on=p.notified_on,
                        holders=p.holders,
                        differences=differences,
                        raw=p.raw,
                    )
                    for target, p, differences in self._new
                ],
                ignore_conflicts=True,
            )
        for contract_id, anomalies, divergent, identity in self._contract_updates:
            kept = [a for a in anomalies if a.split(":", 1)[0] != ANOMALY]
            if divergent:
                kept.append(anomaly(divergent))
            Contract.objects.filter(pk=contract_id).update(
                anomalies=kept, divergent_fields=divergent, identity=identity.fingerprint
            )
        self._reset_writes()


def _stored_details(ids: dict) -> dict[int, _Publication]:
    """The publication shown by each stored contract of ``ids``, with its initial holders."""
    if not ids:
        return {}
    holders: dict[int, list] = {}
    for contract_id, id_type, identifier, name in (
        ContractHolder.objects.filter(contract_id__in=list(ids), is_initial=True)
        .order_by("contract_id", "rank")
        .values_list("contract_id", "identifier_type", "identifier", "name")
    ):
        holders.setdefault(contract_id, []).append([id_type, identifier, name])
    details = {}
    for (
        pk,
        object_text,
        notified_on,
        published_on,
        digest,
        sources,
        source_file,
        raw,
        anomalies,
    ) in Contract.objects.filter(pk__in=list(ids)).values_list(
        "pk",
        "object",
        "notified_on",
        "last_published_on",
        "content_hash",
        "sources",
        "source_file",
        "raw",
        "anomalies",
    ):
        details[pk] = _Publication(
            digest=digest,
            # Which of several sources published the content shown is not recorded: the file it came from is.
            source=sources[0] if len(sources) == 1 else source_file,
            source_file=source_file,
            published_on=_date(published_on),
            object=object_text,
            notified_on=_date(notified_on),
            holders=holders.get(pk, []),
            raw=raw,
            anomalies=tuple(json.loads(anomalies) if isinstance(anomalies, str) else anomalies),
        )
    return details


def _stored_publications(ids: dict) -> dict[int, dict[int, tuple]]:
    """contract id -> publication id -> (identity, differences, content fingerprint) of the publications
    already kept."""
    kept: dict[int, dict[int, tuple]] = {}
    if not ids:
        return kept
    for pk, contract_id, digest, object_text, notified_on, holders, differences in ContractPublication.objects.filter(
        contract_id__in=list(ids)
    ).values_list("pk", "contract_id", "content_hash", "object", "notified_on", "holders", "differences"):
        if isinstance(holders, str):
            holders, differences = json.loads(holders), json.loads(differences)
        identity = Identity.of(object_text, (h[1] for h in holders), _date(notified_on))
        kept.setdefault(contract_id, {})[pk] = (identity, differences, digest)
    return kept
