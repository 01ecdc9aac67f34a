"""Reads of the data-quality pages: the anomalies of a buyer's contracts, counted per code, and the contracts
behind each count (``anomalies`` registry for the labels)."""

import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, TextField
from django.db.models.functions import Cast

from spaser.contracts import anomalies as registry
from spaser.contracts.models import ContractPublication

CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class AnomalyCount:
    kind: registry.AnomalyKind
    contracts: int  # contracts with at least one anomaly of this code
    occurrences: int  # anomalies of this code (a contract may have several, one per field)


def anomaly_counts(contracts) -> list[AnomalyCount]:
    """Counts per code over ``contracts`` (a queryset), most frequent first: one query, reading only the
    anomaly lists that are not empty."""
    per_contract, occurrences = Counter(), Counter()
    for found in contracts.exclude(anomalies=[]).values_list("anomalies", flat=True).iterator(chunk_size=5000):
        codes = [str(text).split(":", 1)[0] for text in found]
        occurrences.update(codes)
        per_contract.update(set(codes))
    counts = [AnomalyCount(registry.kind_of(code), number, occurrences[code]) for code, number in per_contract.items()]
    return sorted(counts, key=lambda count: (-count.contracts, count.kind.label))


def with_anomaly(contracts, code: str):
    """The contracts of ``contracts`` that have an anomaly ``code``.

    Matched in the JSON text of the list: an element starts after ``[`` or ``,`` (and a space), with a quote
    that is not escaped; a quote inside a published value is always escaped (``\\"``), so a value that
    contains ``"code:`` never matches. Same text on both databases (``["a", "b:c"]``)."""
    if not CODE.fullmatch(code):
        return contracts.none()
    pattern = r'(\[|,) ?"' + code + r'[:"]'
    return contracts.annotate(anomalies_text=Cast("anomalies", TextField())).filter(anomalies_text__regex=pattern)


def matching(contract, code: str) -> list[registry.Anomaly]:
    """The anomalies ``code`` of one contract, read for display."""
    return [anomaly for text in contract.anomalies if (anomaly := registry.parse(text)).code == code]


def with_other_publications(contracts):
    return contracts.prefetch_related(
        Prefetch("other_publications", queryset=ContractPublication.objects.order_by("-published_on", "pk"))
    )
