"""Which published contract(s) answer a purchase project, and where the form and the DECP disagree.

Read-only helpers for the purchase-project side (strategies app): it calls them with the project's values,
the acheteur confirms a suggestion, and the reconciliation report lists the disagreements so that one of the
two sources gets corrected.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from spaser.contracts.models import Contract

DATE_WINDOW = dt.timedelta(days=548)  # 18 months either side of the planned notification
AMOUNT_RATIO = (Decimal("0.5"), Decimal("2"))
MIN_SIMILARITY = 0.2
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP_WORDS = frozenset(
    "les des une aux pour par sur dans avec sans lot lots marche marches accord cadre prestations "
    "prestation fourniture fournitures travaux services service relatif relatifs relative".split()
)


def _words(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return {word for word in _WORD.findall(text) if word not in _STOP_WORDS}


def object_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the meaningful words of two objects (0 to 1)."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass
class Candidate:
    contract: Contract
    score: float
    reasons: list[str] = field(default_factory=list)


def contract_match_candidates(
    *,
    organisation,
    subject: str,
    family=None,
    estimated_amount=None,
    planned_date=None,
    limit: int = 5,
    exclude_linked: bool = False,
) -> list[Candidate]:
    """Contracts of the same buyer, ranked: same family, similar object, amount and date within a window.

    `exclude_linked` leaves out the contracts already confirmed for a project (a contract answers one only)."""
    contracts = Contract.objects.filter(buyer=organisation)
    if exclude_linked:
        contracts = contracts.filter(project_links__isnull=True)
    if planned_date is not None:
        contracts = contracts.filter(
            Q(notified_on__isnull=True)
            | Q(notified_on__gte=planned_date - DATE_WINDOW, notified_on__lte=planned_date + DATE_WINDOW)
        )
    if estimated_amount:
        low, high = (estimated_amount * ratio for ratio in AMOUNT_RATIO)
        contracts = contracts.filter(
            Q(current_amount__isnull=True) | Q(current_amount__gte=low, current_amount__lte=high)
        )
    candidates = []
    for contract in contracts.select_related("family")[:500]:
        similarity = object_similarity(subject, contract.object)
        same_family = (
            family is not None
            and contract.family_id is not None
            and family.pk in (contract.family_id, contract.family.parent_id)
        )
        if similarity < MIN_SIMILARITY and not same_family:
            continue  # amount and date alone do not make two purchases the same
        score, reasons = similarity, []
        if similarity:
            reasons.append(f"objet proche ({round(100 * similarity)} %)")
        if same_family:
            score += 0.5
            reasons.append("même famille d'achat")
        elif family is not None and contract.family_id is not None:
            score -= 0.25
        if estimated_amount and contract.current_amount:
            ratio = float(
                min(estimated_amount, contract.current_amount) / max(estimated_amount, contract.current_amount)
            )
            score += 0.25 * ratio
            reasons.append(f"montant comparable ({contract.current_amount:.0f} € HT)")
        if planned_date and contract.notified_on:
            distance = abs((contract.notified_on - planned_date).days) / DATE_WINDOW.days
            score += 0.25 * (1 - distance)
            reasons.append(f"notifié le {contract.notified_on:%d/%m/%Y}")
        if score > 0.3:
            candidates.append(Candidate(contract, round(score, 3), reasons))
    candidates.sort(key=lambda candidate: (-candidate.score, -candidate.contract.pk))
    return candidates[:limit]


def consideration_disagreements(*, plans_social: bool, plans_environmental: bool, contract: Contract) -> list[str]:
    """Where a validated form and the published contract data disagree on the considerations.

    Nothing is said when the contract's publication has no considerations (2019 format)."""
    if not contract.considerations_published:
        return []
    messages = []
    social = contract.social_clause or contract.social_criterion or contract.social_reserved
    environmental = contract.environmental_clause or contract.environmental_criterion
    if plans_social and not social:
        messages.append(
            "La fiche prévoit une considération sociale, les données publiées disent « Pas de considération sociale »."
        )
    if social and not plans_social:
        messages.append(
            "Les données publiées déclarent une considération sociale ("
            + ", ".join(label for label in contract.social_considerations)
            + ") que la fiche ne prévoit pas."
        )
    if plans_environmental and not environmental:
        messages.append(
            "La fiche prévoit une considération environnementale, les données publiées disent "
            "« Pas de considération environnementale »."
        )
    if environmental and not plans_environmental:
        messages.append(
            "Les données publiées déclarent une considération environnementale ("
            + ", ".join(contract.environmental_considerations)
            + ") que la fiche ne prévoit pas."
        )
    return messages
