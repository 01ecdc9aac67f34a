"""Which thresholds and obligations apply to a purchase: buyer kind × nature × consultation launch date (× amount).

`evaluate` is pure (rows in, answer out) so that its boundaries are tested without a database;
`applicable_rules` reads the rows an administrator maintains and the organisation's own form threshold.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from spaser.referentiel.enums import AmountOperator


@dataclass(frozen=True)
class ThresholdRow:
    code: str
    label: str
    buyer_kinds: tuple[str, ...]
    natures: tuple[str, ...]
    amount: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None
    legal_basis: str
    status: str
    note: str = ""

    def covers(self, buyer_kind: str, nature: str, day: datetime.date) -> bool:
        return (
            buyer_kind in self.buyer_kinds
            and nature in self.natures
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True)
class ObligationRow:
    code: str
    label: str
    natures: tuple[str, ...]
    effective_from: datetime.date | None
    amount_operator: str
    amount_threshold: str
    legal_basis: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class AppliedObligation:
    code: str
    label: str
    legal_basis: str
    status: str
    note: str
    applies: bool | None  # None: depends on an amount that was not given, or a threshold not defined
    reason: str


@dataclass
class ApplicableRules:
    buyer_kind: str
    nature: str
    launch_date: datetime.date
    amount: Decimal | None
    thresholds: dict[str, ThresholdRow] = field(default_factory=dict)
    obligations: list[AppliedObligation] = field(default_factory=list)

    @property
    def applicable(self) -> list[AppliedObligation]:
        return [obligation for obligation in self.obligations if obligation.applies]

    def applies(self, code: str) -> bool | None:
        for obligation in self.obligations:
            if obligation.code == code:
                return obligation.applies
        return False

    def amount_of(self, code: str) -> Decimal | None:
        row = self.thresholds.get(code)
        return row.amount if row else None


def _euros(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f") + " € HT"


def evaluate(
    threshold_rows,
    obligation_rows,
    *,
    buyer_kind: str,
    nature: str,
    launch_date: datetime.date,
    amount: Decimal | int | None = None,
    overrides: dict[str, Decimal] | None = None,
) -> ApplicableRules:
    """`overrides` replaces a threshold amount for this buyer (e.g. its own strategy form threshold)."""
    amount = None if amount is None else Decimal(amount)
    rules = ApplicableRules(buyer_kind=buyer_kind, nature=nature, launch_date=launch_date, amount=amount)
    for row in threshold_rows:
        if row.covers(buyer_kind, nature, launch_date):
            rules.thresholds[row.code] = row
    for code, value in (overrides or {}).items():
        if code in rules.thresholds and value is not None:
            base = rules.thresholds[code]
            rules.thresholds[code] = ThresholdRow(**{**base.__dict__, "amount": Decimal(value)})
    for row in obligation_rows:
        if nature not in row.natures:
            continue
        rules.obligations.append(_apply(row, rules))
    return rules


def _apply(row: ObligationRow, rules: ApplicableRules) -> AppliedObligation:
    def result(applies, reason):
        return AppliedObligation(row.code, row.label, row.legal_basis, row.status, row.note, applies, reason)

    if row.effective_from and rules.launch_date < row.effective_from:
        return result(False, f"applicable aux consultations lancées à partir du {row.effective_from:%d/%m/%Y}")
    if not row.amount_operator:
        return result(True, "applicable quel que soit le montant")
    threshold = rules.thresholds.get(row.amount_threshold)
    if threshold is None:
        return result(None, f"seuil « {row.amount_threshold} » non défini pour cette date et cette catégorie")
    limit = threshold.amount
    wording = {
        AmountOperator.GTE: f"montant au moins égal à {_euros(limit)}",
        AmountOperator.GT: f"montant supérieur à {_euros(limit)}",
        AmountOperator.LT: f"montant inférieur à {_euros(limit)}",
    }[row.amount_operator]
    if rules.amount is None:
        return result(None, f"si {wording}")
    applies = {
        AmountOperator.GTE: rules.amount >= limit,
        AmountOperator.GT: rules.amount > limit,
        AmountOperator.LT: rules.amount < limit,
    }[row.amount_operator]
    return result(applies, wording if applies else f"non : il faut un {wording}")


def rows_from_data(data: dict) -> tuple[list[ThresholdRow], list[ObligationRow]]:
    """Rows from a validated thresholds file (used by tests and by the loader's self-check)."""
    thresholds = [
        ThresholdRow(
            code=item["code"],
            label=item["label"],
            buyer_kinds=tuple(item["buyer_kinds"]),
            natures=tuple(item["natures"]),
            amount=Decimal(str(item["amount"])),
            valid_from=item["valid_from"],
            valid_to=item.get("valid_to"),
            legal_basis=item["legal_basis"],
            status=item["status"],
            note=item.get("note", ""),
        )
        for item in data["thresholds"]
    ]
    obligations = [
        ObligationRow(
            code=item["code"],
            label=item["label"],
            natures=tuple(item["natures"]),
            effective_from=item.get("effective_from"),
            amount_operator=(item.get("amount_condition") or {}).get("operator", ""),
            amount_threshold=(item.get("amount_condition") or {}).get("threshold", ""),
            legal_basis=item["legal_basis"],
            status=item["status"],
            note=item.get("note", ""),
        )
        for item in data["obligations"]
    ]
    return thresholds, obligations


def applicable_rules(
    *,
    buyer_kind: str,
    nature: str,
    launch_date: datetime.date,
    amount: Decimal | int | None = None,
    organisation=None,
) -> ApplicableRules:
    """The answer from the database rows; the organisation's own strategy-form threshold, if set, wins."""
    from spaser.referentiel.models import BuyerSettings, LegalObligation, Threshold

    thresholds = [
        ThresholdRow(
            code=row.code,
            label=row.label,
            buyer_kinds=tuple(row.buyer_kinds),
            natures=tuple(row.natures),
            amount=row.amount,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            legal_basis=row.legal_basis,
            status=row.status,
            note=row.note,
        )
        for row in Threshold.objects.order_by("position")
    ]
    obligations = [
        ObligationRow(
            code=row.code,
            label=row.label,
            natures=tuple(row.natures),
            effective_from=row.effective_from,
            amount_operator=row.amount_operator,
            amount_threshold=row.amount_threshold,
            legal_basis=row.legal_basis,
            status=row.status,
            note=row.note,
        )
        for row in LegalObligation.objects.order_by("position")
    ]
    overrides = {}
    if organisation is not None:
        settings_row = BuyerSettings.objects.filter(organisation=organisation).first()
        if settings_row and settings_row.strategy_form_threshold is not None:
            overrides["strategy_form"] = settings_row.strategy_form_threshold
    return evaluate(
        thresholds,
        obligations,
        buyer_kind=buyer_kind,
        nature=nature,
        launch_date=launch_date,
        amount=amount,
        overrides=overrides,
    )
