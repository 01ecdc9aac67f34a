"""The compliance engine of the form "Mon projet d'achat responsable": pure functions, no database.

`check(facts, policy)` returns one Finding per rule. Each rule has a code, a French message, a severity
(bloquant / avertissement / conseil) and its reference (law article or SPASER chantier). A failed blocking
finding prevents submission. The inputs are plain dataclasses built by `selectors.project_facts`, so that
every boundary is tested without a database (tests/strategies/test_compliance.py).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from spaser.strategies.enums import (
    CheckStatus,
    ClauseDimension,
    ClauseKind,
    CriterionKind,
    Reservation,
    Severity,
)
from spaser.strategies.numbers import format_euros, format_percent

HUNDRED = Decimal(100)
# CCP L2112-2, L2112-2-1, L2152-7 and R2152-7 as amended by décret n° 2022-767: consultations launched on or
# after this date (regulation note 2.2). The date is read from the référentiel's obligations when loaded.
CLIMATE_LAW_DATE = datetime.date(2026, 8, 21)
# CCP L2113-15 / L2113-16: a contract reserved to ESS enterprises lasts at most three years.
ESS_RESERVATION_MAX_MONTHS = 36


@dataclass(frozen=True)
class AwardCriterionFact:
    label: str
    kind: str  # CriterionKind
    weight: Decimal | None
    includes_environment: bool = False  # a cost criterion covering environmental characteristics (R2152-9)


@dataclass(frozen=True)
class ClauseFact:
    label: str
    dimension: str  # ClauseDimension
    kind: str = ClauseKind.EXECUTION_CONDITION


@dataclass(frozen=True)
class ProjectFacts:
    nature: str = ""
    estimated_amount: Decimal | None = None
    duration_months: int | None = None
    launch_date: datetime.date | None = None
    award_criteria: tuple[AwardCriterionFact, ...] = ()
    clauses: tuple[ClauseFact, ...] = ()
    insertion_clause: bool = False
    insertion_hours: Decimal | None = None
    reservation: str = Reservation.NONE
    social_devices: tuple[str, ...] = ()
    social_justification: str = ""
    social_exception: str = ""
    is_allotted: bool = False
    allotment_reason: str = ""
    lot_amounts: tuple[Decimal | None, ...] = ()
    technical_memo_requested: bool = False
    technical_memo_reason: str = ""


@dataclass(frozen=True)
class Policy:
    """What the organisation and the référentiel set: thresholds and the SPASER weight range."""

    form_threshold: Decimal = Decimal(40000)
    eu_threshold: Decimal | None = None  # for the buyer kind, the nature and the launch date
    env_weight_min: Decimal = Decimal(10)
    env_weight_max: Decimal = Decimal(15)
    climate_law_date: datetime.date = CLIMATE_LAW_DATE


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    status: str
    message: str
    reference: str
    field: str = ""  # the form section or field the user must look at

    @property
    def failed(self) -> bool:
        return self.status == CheckStatus.FAILED

    @property
    def blocks(self) -> bool:
        return self.failed and self.severity == Severity.BLOCKING

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label

    @property
    def status_label(self) -> str:
        return CheckStatus(self.status).label


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    reference: str
    field: str
    check: Callable[[ProjectFacts, Policy], tuple[str, str]]  # → (status, message)

    def run(self, facts: ProjectFacts, policy: Policy) -> Finding:
        status, message = self.check(facts, policy)
        return Finding(self.code, self.severity, status, message, self.reference, self.field)


# --- Small pure helpers used by rules, the programme and the form --------------------------------------------


def form_required(amount: Decimal | None, threshold: Decimal) -> bool:
    """The form is required at or above the organisation's threshold (40 000 € HT by default)."""
    return amount is not None and Decimal(amount) >= Decimal(threshold)


def eu_threshold_reached(amount: Decimal | None, eu_threshold: Decimal | None) -> bool:
    return amount is not None and eu_threshold is not None and Decimal(amount) >= Decimal(eu_threshold)


def insertion_hours(
    *, amount: Decimal, labour_share: Decimal, insertion_rate: Decimal, hourly_cost: Decimal
) -> Decimal:
    """Standard formula (regulation note 9.1): amount × labour share × insertion rate ÷ loaded hourly cost.

    Shares are percentages (50 for 50 %). 1 000 000 € × 50 % × 5 % ÷ 30 € = 833 hours (rounded to the hour).
    """
    if hourly_cost is None or Decimal(hourly_cost) <= 0:
        raise ValueError("Le coût horaire doit être strictement positif.")
    hours = (
        Decimal(amount) * Decimal(labour_share) / HUNDRED * Decimal(insertion_rate) / HUNDRED / Decimal(hourly_cost)
    )
    return hours.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def climate_law_applies(facts: ProjectFacts, policy: Policy) -> bool:
    return facts.launch_date is not None and facts.launch_date >= policy.climate_law_date


def weights_total(facts: ProjectFacts) -> Decimal:
    return sum((criterion.weight or Decimal(0) for criterion in facts.award_criteria), Decimal(0))


def has_social_consideration(facts: ProjectFacts) -> bool:
    return bool(
        facts.insertion_clause
        or facts.reservation
        or facts.social_devices
        or any(criterion.kind == CriterionKind.SOCIAL for criterion in facts.award_criteria)
        or any(clause.dimension == ClauseDimension.SOCIAL for clause in facts.clauses)
    )


def has_environmental_consideration(facts: ProjectFacts) -> bool:
    """An environmental award criterion (or a global cost that includes it), or an environmental clause."""
    return bool(
        any(criterion.kind == CriterionKind.ENVIRONMENTAL for criterion in facts.award_criteria)
        or any(
            criterion.kind == CriterionKind.COST and criterion.includes_environment
            for criterion in facts.award_criteria
        )
        or any(clause.dimension == ClauseDimension.ENVIRONMENTAL for clause in facts.clauses)
    )


def _single_environmental_cost(facts: ProjectFacts) -> bool:
    criteria = facts.award_criteria
    return len(criteria) == 1 and criteria[0].kind == CriterionKind.COST and criteria[0].includes_environment


def _environmental_criteria(facts: ProjectFacts) -> list[AwardCriterionFact]:
    return [criterion for criterion in facts.award_criteria if criterion.kind == CriterionKind.ENVIRONMENTAL]


def _execution(facts: ProjectFacts, dimension: str) -> list[ClauseFact]:
    return [
        clause
        for clause in facts.clauses
        if clause.dimension == dimension and clause.kind == ClauseKind.EXECUTION_CONDITION
    ]


def _date(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


PASSED, FAILED, NOT_APPLICABLE = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.NOT_APPLICABLE


# --- Rules ---------------------------------------------------------------------------------------------------


def _amount_positive(facts, policy):
    if facts.estimated_amount is None:
        return FAILED, "Indiquez le montant estimé HT du besoin."
    if facts.estimated_amount <= 0:
        return FAILED, "Le montant estimé HT doit être strictement positif."
    return PASSED, f"Montant estimé : {format_euros(facts.estimated_amount)}."


def _launch_date(facts, policy):
    if facts.launch_date is None:
        return (
            FAILED,
            "Indiquez la date prévue de lancement de la consultation : elle détermine les règles applicables.",
        )
    return PASSED, f"Lancement prévu le {_date(facts.launch_date)}."


def _form_required(facts, policy):
    if facts.estimated_amount is None:
        return NOT_APPLICABLE, "Le caractère obligatoire de la fiche dépend du montant estimé, non renseigné."
    if form_required(facts.estimated_amount, policy.form_threshold):
        return PASSED, (
            "Fiche obligatoire : le montant atteint le seuil de l'organisation "
            f"({format_euros(policy.form_threshold)})."
        )
    return NOT_APPLICABLE, (
        "Fiche facultative : le montant est inférieur au seuil de l'organisation "
        f"({format_euros(policy.form_threshold)})."
    )


def _weights_total(facts, policy):
    if not facts.award_criteria:
        return FAILED, "Ajoutez au moins un critère d'attribution."
    if any(criterion.weight is None for criterion in facts.award_criteria):
        return FAILED, "Chaque critère d'attribution doit avoir une pondération."
    total = weights_total(facts)
    if total != HUNDRED:
        return FAILED, f"Les pondérations totalisent {format_percent(total)} : elles doivent faire exactement 100 %."
    return PASSED, "Les pondérations totalisent 100 %."


def _env_weight_range(facts, policy):
    low, high = format_percent(policy.env_weight_min), format_percent(policy.env_weight_max)
    if _single_environmental_cost(facts):
        return NOT_APPLICABLE, "Critère unique du coût intégrant les caractéristiques environnementales."
    criteria = _environmental_criteria(facts)
    if not criteria:
        return FAILED, f"Ajoutez un critère d'attribution environnemental pondéré entre {low} et {high}."
    if any(
        criterion.weight is not None and policy.env_weight_min <= criterion.weight <= policy.env_weight_max
        for criterion in criteria
    ):
        return PASSED, f"Un critère environnemental est pondéré entre {low} et {high}."
    weights = ", ".join(format_percent(criterion.weight) for criterion in criteria)
    return FAILED, f"Le critère environnemental est pondéré à {weights} : le SPASER demande entre {low} et {high}."


def _law_env_award(facts, policy):
    if not climate_law_applies(facts, policy):
        return (
            NOT_APPLICABLE,
            f"Obligation applicable aux consultations lancées à partir du {_date(policy.climate_law_date)}.",
        )
    if facts.nature == "concession" and len(facts.award_criteria) < 2:
        # CCP R3124-4 (décret n° 2022-767): a concession is awarded on several criteria, one environmental.
        return FAILED, "Une concession s'attribue sur une pluralité de critères dont au moins un environnemental."
    if _environmental_criteria(facts) or _single_environmental_cost(facts):
        return PASSED, "Au moins un critère d'attribution prend en compte les caractéristiques environnementales."
    if any(
        criterion.kind == CriterionKind.COST and criterion.includes_environment for criterion in facts.award_criteria
    ):
        return PASSED, "Un critère de coût prend en compte les caractéristiques environnementales."
    return FAILED, (
        "Consultation lancée à partir du "
        f"{_date(policy.climate_law_date)} : au moins un critère d'attribution doit prendre en compte les "
        "caractéristiques environnementales de l'offre (ou un critère unique du coût qui les intègre)."
    )


def _law_no_price_only(facts, policy):
    if not climate_law_applies(facts, policy):
        return (
            NOT_APPLICABLE,
            f"Obligation applicable aux consultations lancées à partir du {_date(policy.climate_law_date)}.",
        )
    if facts.award_criteria and all(criterion.kind == CriterionKind.PRICE for criterion in facts.award_criteria):
        return FAILED, "Le prix ne peut plus être le critère unique d'attribution."
    return PASSED, "L'attribution ne repose pas sur le seul prix."


def _law_env_execution(facts, policy):
    if not climate_law_applies(facts, policy):
        return (
            NOT_APPLICABLE,
            f"Obligation applicable aux consultations lancées à partir du {_date(policy.climate_law_date)}.",
        )
    if _execution(facts, ClauseDimension.ENVIRONMENTAL):
        return PASSED, "Une condition d'exécution prend en compte l'environnement."
    return FAILED, "Ajoutez une condition d'exécution environnementale (obligatoire pour cette date de lancement)."


def _law_social_execution(facts, policy):
    if not climate_law_applies(facts, policy):
        return (
            NOT_APPLICABLE,
            f"Obligation applicable aux consultations lancées à partir du {_date(policy.climate_law_date)}.",
        )
    if facts.nature == "concession":
        # L3114-2-1 (the concession twin of L2112-2-1) is NOT verified (regulation note 2.11): never enforced here.
        return (
            NOT_APPLICABLE,
            "Concession : l'obligation sociale (L3114-2-1) n'est pas vérifiée, à confirmer sur Légifrance.",
        )
    if policy.eu_threshold is None:
        return NOT_APPLICABLE, "Aucun seuil européen n'est défini pour cette nature et cette date."
    if not eu_threshold_reached(facts.estimated_amount, policy.eu_threshold):
        return NOT_APPLICABLE, f"Montant inférieur au seuil européen ({format_euros(policy.eu_threshold)})."
    if facts.insertion_clause or _execution(facts, ClauseDimension.SOCIAL):
        return PASSED, "Une condition d'exécution sociale ou relative à l'emploi est prévue."
    if facts.social_exception.strip():
        return PASSED, "Exception à la condition d'exécution sociale consignée (à vérifier au regard du texte)."
    return FAILED, (
        f"Le montant atteint le seuil européen ({format_euros(policy.eu_threshold)}) : prévoyez une condition "
        "d'exécution sociale (clause d'insertion ou autre) ou consignez l'exception invoquée."
    )


def _social_comply_or_explain(facts, policy):
    if has_social_consideration(facts):
        return PASSED, "Le projet comporte au moins une considération sociale."
    if facts.social_justification.strip():
        return PASSED, "L'absence de considération sociale est justifiée."
    return (
        FAILED,
        "Aucune considération sociale : expliquez pourquoi aucun critère ni aucune clause sociale n'est possible.",
    )


def _reservation_basis(facts, policy):
    if not facts.reservation:
        return NOT_APPLICABLE, "Pas de marché réservé."
    if facts.reservation == Reservation.SOCIAL_ECONOMY:
        if facts.nature != "services":
            return (
                FAILED,
                "La réservation aux entreprises de l'ESS (L2113-15) ne vaut que pour des marchés de services.",
            )
        if facts.duration_months is None:
            return FAILED, "Indiquez la durée : un marché réservé aux entreprises de l'ESS ne peut dépasser 3 ans."
        if facts.duration_months > ESS_RESERVATION_MAX_MONTHS:
            return FAILED, (
                f"Durée de {facts.duration_months} mois : un marché réservé aux entreprises de l'ESS "
                "ne peut dépasser 3 ans."
            )
    return PASSED, f"Réservation : {Reservation(facts.reservation).label}."


def _insertion_hours(facts, policy):
    if not facts.insertion_clause:
        return NOT_APPLICABLE, "Pas de clause d'insertion."
    if facts.insertion_hours is None or facts.insertion_hours <= 0:
        return FAILED, "La clause d'insertion doit fixer un nombre d'heures strictement positif."
    return PASSED, f"Clause d'insertion : {facts.insertion_hours} heures."


def _lots_total(facts, policy):
    if not facts.is_allotted:
        return NOT_APPLICABLE, "Marché non alloti."
    if not facts.lot_amounts:
        return FAILED, "Décrivez les lots du marché alloti."
    if any(amount is None for amount in facts.lot_amounts):
        return FAILED, "Chaque lot doit avoir un montant estimé."
    total = sum(facts.lot_amounts, Decimal(0))
    if facts.estimated_amount is None or total != facts.estimated_amount:
        return FAILED, (
            f"Les lots totalisent {format_euros(total)} au lieu du montant estimé "
            f"({format_euros(facts.estimated_amount)})."
        )
    return PASSED, "Les montants des lots totalisent le montant estimé."


def _allotment_reason(facts, policy):
    if facts.is_allotted:
        return NOT_APPLICABLE, "Marché alloti."
    if facts.allotment_reason.strip():
        return PASSED, "Le choix de ne pas allotir est motivé."
    return FAILED, "Motivez le choix de ne pas allotir le marché."


def _technical_memo(facts, policy):
    if not facts.technical_memo_requested:
        return PASSED, "Pas de mémoire technique demandé."
    if facts.technical_memo_reason.strip():
        return PASSED, "La demande d'un mémoire technique est motivée."
    return FAILED, "Un mémoire technique est demandé : dites pourquoi il est utile (le SPASER invite à y renoncer)."


RULES: tuple[Rule, ...] = (
    Rule(
        "MONTANT-POSITIF",
        Severity.BLOCKING,
        "CCP R2121-1 (valeur estimée du besoin)",
        "estimated_amount",
        _amount_positive,
    ),
    Rule(
        "DATE-LANCEMENT",
        Severity.BLOCKING,
        "Décret n° 2022-767 : les obligations dépendent de la date de lancement de la consultation",
        "planned_launch_date",
        _launch_date,
    ),
    Rule(
        "FICHE-OBLIGATOIRE",
        Severity.ADVICE,
        "SPASER 2 – renforcement de la fonction achat (C)",
        "estimated_amount",
        _form_required,
    ),
    Rule(
        "PONDERATIONS-100",
        Severity.BLOCKING,
        "Règle de la fiche : pondérations en % du total",
        "criteria",
        _weights_total,
    ),
    Rule(
        "CRITERE-ENV-SPASER",
        Severity.BLOCKING,
        "SPASER 2 – amplification des acquis (A) : critère environnemental de 10 à 15 %",
        "criteria",
        _env_weight_range,
    ),
    Rule(
        "LOI-CRITERE-ENV",
        Severity.BLOCKING,
        "CCP L2152-7, R2152-7 ; R3124-4 (concessions)",
        "criteria",
        _law_env_award,
    ),
    Rule("LOI-PAS-PRIX-SEUL", Severity.BLOCKING, "CCP R2152-7 (décret n° 2022-767)", "criteria", _law_no_price_only),
    Rule(
        "LOI-CONDITION-ENV",
        Severity.BLOCKING,
        "CCP L2112-2 (loi Climat et résilience, art. 35)",
        "clauses",
        _law_env_execution,
    ),
    Rule(
        "LOI-CONDITION-SOCIALE",
        Severity.BLOCKING,
        "CCP L2112-2-1 (loi Climat et résilience, art. 35) – exceptions non vérifiées",
        "social",
        _law_social_execution,
    ),
    Rule(
        "SOCIAL-OU-JUSTIFICATION",
        Severity.BLOCKING,
        "SPASER 2 – chantier A.V (élargissement de la dimension sociale)",
        "social",
        _social_comply_or_explain,
    ),
    Rule(
        "RESERVATION-FONDEMENT",
        Severity.BLOCKING,
        "CCP L2113-12, L2113-13, L2113-15 et L2113-16",
        "social",
        _reservation_basis,
    ),
    Rule(
        "HEURES-INSERTION",
        Severity.BLOCKING,
        "CCP L2112-2 (condition d'exécution sociale)",
        "social",
        _insertion_hours,
    ),
    Rule("LOTS-TOTAL", Severity.BLOCKING, "CCP L2113-10 (allotissement)", "lots", _lots_total),
    Rule(
        "ALLOTISSEMENT-MOTIF",
        Severity.WARNING,
        "CCP L2113-10 et L2113-11 (allotissement et ses exceptions)",
        "identification",
        _allotment_reason,
    ),
    Rule(
        "MEMOIRE-TECHNIQUE",
        Severity.ADVICE,
        "SPASER 2 – amplification des acquis (A) : renoncer au mémoire technique quand il n'apporte rien",
        "needs",
        _technical_memo,
    ),
)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocking(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.blocks]

    @property
    def failed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.failed]

    @property
    def can_submit(self) -> bool:
        return not self.blocking

    @property
    def passed_count(self) -> int:
        return sum(1 for finding in self.findings if finding.status == CheckStatus.PASSED)

    def get(self, code: str) -> Finding:
        for finding in self.findings:
            if finding.code == code:
                return finding
        raise KeyError(code)

    def as_list(self) -> list[dict]:
        return [
            {
                "code": finding.code,
                "severity": finding.severity,
                "status": finding.status,
                "message": finding.message,
                "reference": finding.reference,
            }
            for finding in self.findings
        ]


def check(facts: ProjectFacts, policy: Policy | None = None) -> Report:
    policy = policy or Policy()
    return Report(tuple(rule.run(facts, policy) for rule in RULES))
