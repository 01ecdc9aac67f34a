"""Reads shared by views, services and other apps: compliance inputs, policy, référentiel version, lists."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone

from spaser.accounts.models import Direction
from spaser.contracts.enums import ContractKind
from spaser.contracts.matching import Candidate, consideration_disagreements, contract_match_candidates
from spaser.contracts.models import Contract
from spaser.referentiel.enums import BuyerKind, Dimension
from spaser.referentiel.models import BuyerSettings, Criterion, Family, LegalObligation
from spaser.referentiel.selectors import resolve_family
from spaser.referentiel.thresholds import applicable_rules
from spaser.strategies import compliance, programme_import
from spaser.strategies.enums import CheckStatus, ProjectState, ReconciliationKind, Transition
from spaser.strategies.models import FROZEN_STATES, ProgrammeEntry, ProjectContract, PurchaseProject, StrategySettings

# The obligation of the référentiel whose date triggers the loi Climat rules of the engine.
CLIMATE_OBLIGATION_CODE = "env_award_criterion"


def settings_for(organisation) -> StrategySettings:
    """The organisation's form settings (defaults when none were saved yet; nothing is written)."""
    found = StrategySettings.objects.filter(organisation=organisation).first()
    return found or StrategySettings(organisation=organisation)


REVIEW_STEPS = {
    Transition.VALIDATE: "la valider",
    Transition.GIVE_OPINION: "rendre l'avis environnement",
}


def review_refusal(project: PurchaseProject, user, transition: str, *, strategy_settings=None) -> str:
    """Why `user` may not take the review step `transition` on `project` (empty when they may): with the
    organisation's four-eyes setting on, whoever created or submitted the form does not validate it nor give
    its environment opinion. Requests for changes and reopenings stay open to them: they approve nothing."""
    if transition not in REVIEW_STEPS or user is None or not user.is_authenticated:
        return ""
    strategy_settings = strategy_settings or settings_for(project.organisation)
    if not strategy_settings.validator_not_author:
        return ""
    submitted = project.transition_logs.filter(transition=Transition.SUBMIT, user=user).exists()
    if project.created_by_id != user.pk and not submitted:
        return ""
    role = "rédigé" if project.created_by_id == user.pk else "soumis"
    return (
        f"Vous avez {role} cette fiche : une autre personne doit {REVIEW_STEPS[transition]} "
        "(réglage de l'organisation « la personne qui valide une fiche n'en est pas l'auteur »)."
    )


def buyer_kind_of(organisation) -> str:
    row = BuyerSettings.objects.filter(organisation=organisation).only("buyer_kind").first()
    return row.buyer_kind if row else BuyerKind.SUB_CENTRAL


def policy_for(*, organisation, nature: str, launch_date: datetime.date | None) -> compliance.Policy:
    """Thresholds for this buyer, nature and launch date (today when unknown), and the SPASER weight range."""
    day = launch_date or timezone.localdate()
    rules = applicable_rules(
        buyer_kind=buyer_kind_of(organisation), nature=nature or "services", launch_date=day, organisation=organisation
    )
    strategy_settings = settings_for(organisation)
    climate = LegalObligation.objects.filter(code=CLIMATE_OBLIGATION_CODE).values_list("effective_from", flat=True)
    climate_date = next(iter(climate), None) or compliance.CLIMATE_LAW_DATE
    form_threshold = rules.amount_of("strategy_form")
    return compliance.Policy(
        form_threshold=form_threshold if form_threshold is not None else compliance.Policy.form_threshold,
        eu_threshold=rules.amount_of("eu_procedure"),
        env_weight_min=Decimal(strategy_settings.env_weight_min),
        env_weight_max=Decimal(strategy_settings.env_weight_max),
        climate_law_date=climate_date,
    )


def facts_from(project: PurchaseProject, *, criteria=None, clauses=None, lots=None) -> compliance.ProjectFacts:
    """Engine input from a project; `criteria`/`clauses`/`lots` override its saved rows (unsaved form data)."""
    if criteria is None:
        criteria = list(project.award_criteria.all()) if project.pk else []
    if clauses is None:
        clauses = list(project.clauses.all()) if project.pk else []
    if lots is None:
        lots = list(project.lots.all()) if project.pk else []
    return compliance.ProjectFacts(
        nature=project.nature,
        estimated_amount=project.estimated_amount,
        duration_months=project.duration_months,
        launch_date=project.launch_date,
        award_criteria=tuple(
            compliance.AwardCriterionFact(c.label, c.kind, c.weight, c.includes_environment) for c in criteria
        ),
        clauses=tuple(compliance.ClauseFact(c.label, c.dimension, c.kind) for c in clauses),
        insertion_clause=project.insertion_clause,
        insertion_hours=project.insertion_hours,
        reservation=project.reservation or "",
        social_devices=tuple(project.social_devices or ()),
        social_justification=project.social_justification,
        social_exception=project.social_exception,
        is_allotted=project.is_allotted,
        allotment_reason=project.allotment_reason,
        lot_amounts=tuple(lot.estimated_amount for lot in lots),
        technical_memo_requested=project.technical_memo_requested,
        technical_memo_reason=project.technical_memo_reason,
    )


def facts_from_snapshot(snapshot: dict | None) -> compliance.ProjectFacts | None:
    """The considerations part of the engine input as validated (the frozen snapshot), None without one.

    Only what `has_social_consideration` and `has_environmental_consideration` read is restored."""
    fields = (snapshot or {}).get("fields")
    if not fields:
        return None
    return compliance.ProjectFacts(
        nature=fields.get("nature") or "",
        award_criteria=tuple(
            compliance.AwardCriterionFact(
                item.get("label", ""), item.get("kind", ""), None, bool(item.get("includes_environment"))
            )
            for item in snapshot.get("award_criteria") or ()
        ),
        clauses=tuple(
            compliance.ClauseFact(item.get("label", ""), item.get("dimension", ""), item.get("kind", ""))
            for item in snapshot.get("clauses") or ()
        ),
        insertion_clause=bool(fields.get("insertion_clause")),
        reservation=fields.get("reservation") or "",
        social_devices=tuple(fields.get("social_devices") or ()),
    )


def planned_considerations(project: PurchaseProject) -> tuple[bool, bool]:
    """(social, environmental): does the form plan a social, an environmental consideration?

    What the reconciliation report and the data-quality indicator compare with the published contract data.
    A validated form answers from its frozen snapshot (what was validated, whatever was edited afterwards in
    the administration); a form not validated yet from its saved criteria and clauses (prefetch
    `award_criteria` and `clauses` for lists of such projects)."""
    facts = facts_from_snapshot(project.snapshot) or facts_from(project, lots=[])
    return compliance.has_social_consideration(facts), compliance.has_environmental_consideration(facts)


def project_report(project: PurchaseProject, **overrides) -> compliance.Report:
    policy = policy_for(organisation=project.organisation, nature=project.nature, launch_date=project.launch_date)
    return compliance.check(facts_from(project, **overrides), policy)


def referentiel_version() -> str:
    """Identifies the state of the référentiels: the time of their latest change (every change is in history)."""
    latest = []
    for model in (Criterion, Family, LegalObligation):
        value = model.history.aggregate(latest=Max("history_date"))["latest"]
        if value:
            latest.append(value)
    from spaser.referentiel.models import Threshold

    value = Threshold.history.aggregate(latest=Max("history_date"))["latest"]
    if value:
        latest.append(value)
    if not latest:
        return "référentiel vide"
    return f"référentiel du {timezone.localtime(max(latest)):%Y-%m-%d %H:%M:%S}"


def rse_eligible_family_ids() -> set[int]:
    """Families whose own référentiel items (not the common base of the root families) carry environmental or
    social stakes: the family's "potentiel RSE" used to flag programme entries at the programming stage."""
    return set(
        Criterion.objects.filter(
            dimension__in=[Dimension.ENVIRONMENTAL, Dimension.SOCIAL], families__parent__isnull=False
        ).values_list("families", flat=True)
    )


def proposals_for(family: Family | None):
    """The référentiel's criteria and clauses proposed for the family (with its ancestors' common base)."""
    if family is None:
        return Criterion.objects.none()
    return Criterion.objects.for_family(family).order_by("dimension", "kind", "position", "code")


def findings_by_status(report: compliance.Report) -> dict[str, list]:
    grouped = {status: [] for status in CheckStatus.values}
    for finding in report.findings:
        grouped[finding.status].append(finding)
    return grouped


def programme_years(organisation) -> list[int]:
    return sorted(
        set(ProgrammeEntry.objects.of_organisation(organisation).values_list("year", flat=True)), reverse=True
    )


def import_lookups(organisation) -> programme_import.Lookups:
    """What programme rows are matched against: the organisation's directions and every purchase family."""
    directions = {}
    for direction in Direction.objects.filter(organisation=organisation):
        directions[programme_import.normalise(direction.code)] = direction.pk
        directions[programme_import.normalise(direction.name)] = direction.pk
    families, natures = {}, {}
    for family in Family.objects.all():
        families[programme_import.normalise(family.code)] = family.pk
        families[programme_import.normalise(family.label)] = family.pk
        natures[family.pk] = family.nature
    cache = {}

    def cpv_family(code):
        if code not in cache:
            family = resolve_family(code)
            cache[code] = family.pk if family else None
        return cache[code]

    return programme_import.Lookups(
        directions=directions, families=families, family_natures=natures, cpv_family=cpv_family
    )


# --- Published contracts (DECP) -----------------------------------------------------------------------------------


def project_contract_links(project: PurchaseProject):
    return project.contract_links.select_related("contract", "contract__family", "confirmed_by").order_by(
        "contract__notified_on", "contract__external_id"
    )


def contract_suggestions(project: PurchaseProject, *, limit: int = 5) -> list[Candidate]:
    """The organisation's published contracts that may answer the project, not yet linked to any project."""
    return contract_match_candidates(
        organisation=project.organisation,
        subject=project.subject,
        family=project.family,
        estimated_amount=project.estimated_amount,
        planned_date=project.planned_notification_date or project.launch_date,
        limit=limit,
        exclude_linked=True,
    )


def contract_search(project: PurchaseProject, text: str, *, limit: int = 20) -> list[Contract]:
    """Another contract of the same buyer, by its published id or by words of its object (all of them)."""
    text = (text or "").strip()
    if not text:
        return []
    condition = Q(external_id__iexact=text)
    words = [word for word in text.split() if len(word) >= 2]
    if words:
        all_words = Q()
        for word in words:
            all_words &= Q(object__icontains=word)
        condition |= all_words
    return list(
        Contract.objects.of_buyer(project.organisation)
        .filter(project_links__isnull=True)
        .filter(condition)
        .select_related("family")
        .order_by("-notified_on", "-pk")[:limit]
    )


def contract_has_social(contract: Contract) -> bool:
    return bool(contract.social_clause or contract.social_criterion or contract.social_reserved)


def contract_has_environmental(contract: Contract) -> bool:
    return bool(contract.environmental_clause or contract.environmental_criterion)


@dataclass(frozen=True)
class Correction:
    """Which side of a disagreement is to be corrected, and how.

    The published data (DECP) must describe the signed contract: when the validated form plans a consideration
    and the publication says "Pas de considération", the publication is corrected on the buyer profile. When the
    publication declares a consideration that the form does not plan, the contract went further than the form:
    the form is taken up again so that it describes what was signed."""

    side: str  # "decp" or "form"
    dimension: str  # ReconciliationKind

    SIDES = {"decp": "Les données publiées (DECP)", "form": "La fiche"}

    @property
    def side_label(self) -> str:
        return self.SIDES[self.side]

    @property
    def side_name(self) -> str:
        """The side within a sentence."""
        return {"decp": "les données publiées (DECP)", "form": "la fiche"}[self.side]

    @property
    def dimension_label(self) -> str:
        return ReconciliationKind(self.dimension).label

    @property
    def action(self) -> str:
        what = ReconciliationKind(self.dimension).label.lower()
        if self.side == "decp":
            return (
                f"Corriger la publication sur le profil d'acheteur : y déclarer la {what} que prévoit la fiche "
                "(clause, critère ou réservation du marché signé)."
            )
        return (
            f"Reprendre la fiche pour qu'elle décrive la {what} du marché signé (étape « Rouvrir pour correction », "
            "puis nouvelle validation), ou corriger la publication si le marché n'en contient pas."
        )


def disagreement_corrections(*, plans_social: bool, plans_environmental: bool, contract: Contract) -> list[Correction]:
    """One correction per dimension on which the form and the published data disagree (none for 2019 data)."""
    if not contract.considerations_published:
        return []
    corrections = []
    for dimension, planned, published in (
        (ReconciliationKind.SOCIAL, plans_social, contract_has_social(contract)),
        (ReconciliationKind.ENVIRONMENTAL, plans_environmental, contract_has_environmental(contract)),
    ):
        if planned and not published:
            corrections.append(Correction("decp", dimension))
        elif published and not planned:
            corrections.append(Correction("form", dimension))
    return corrections


@dataclass
class ReconciliationLine:
    """A contract of the report: linked and disagreeing, linked but not comparable, or above the threshold
    without a form ("marché sans fiche")."""

    situation: str
    contract: Contract
    project: PurchaseProject | None = None
    plans_social: bool | None = None
    plans_environmental: bool | None = None
    kinds: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)
    threshold: Decimal | None = None  # for a contract without a form: the form threshold at its notification
    corrections: list[Correction] = field(default_factory=list)

    SITUATIONS = {
        "disagreement": "Désaccord entre la fiche et les données publiées",
        "not_comparable": "Données publiées sans considérations (format 2019)",
        "uncovered": "Marché sans fiche",
        "in_correction": "Fiche rouverte pour correction",
    }

    @property
    def situation_label(self) -> str:
        return self.SITUATIONS[self.situation]

    @property
    def amount(self):
        """The amount shown: for a contract without a form, the initial amount compared with the threshold
        (see `form_required_q`); for a linked contract, the current amount (the initial one when not published)."""
        if self.situation == "uncovered":
            return self.contract.initial_amount
        return (
            self.contract.current_amount if self.contract.current_amount is not None else self.contract.initial_amount
        )


@dataclass
class Reconciliation:
    disagreements: list[ReconciliationLine]
    not_comparable: list[ReconciliationLine]
    uncovered: list[ReconciliationLine]
    uncovered_count: int
    form_threshold: Decimal | None  # today's
    linked_count: int
    threshold_periods: list["ThresholdPeriod"] = field(default_factory=list)
    # Contracts whose validated form was reopened for correction: not compared until it is validated again.
    in_correction: list[ReconciliationLine] = field(default_factory=list)

    @property
    def threshold_changed(self) -> bool:
        return len(self.threshold_periods) > 1

    def lines(self) -> list[ReconciliationLine]:
        return [*self.disagreements, *self.in_correction, *self.not_comparable, *self.uncovered]


FORM_THRESHOLD_CODE = "strategy_form"


@dataclass(frozen=True)
class ThresholdPeriod:
    """The form threshold in force from `start` to `end` (both included; None: open-ended)."""

    start: datetime.date | None
    end: datetime.date | None
    amount: Decimal

    def covers(self, day: datetime.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def form_threshold_periods(organisation) -> list[ThresholdPeriod]:
    """The organisation's form threshold over time, one period per value, oldest first.

    The référentiel's "strategy_form" rows change on their `valid_from` and the day after their `valid_to`;
    between two such days the answer of `policy_for` (the organisation's own threshold wins where a row
    applies, the engine's default where none does) is the same, so it is asked once per period: a few
    queries per change of the référentiel, none per contract."""
    from spaser.referentiel.models import Threshold

    changes = set()
    for valid_from, valid_to in Threshold.objects.filter(code=FORM_THRESHOLD_CODE).values_list(
        "valid_from", "valid_to"
    ):
        changes.add(valid_from)
        if valid_to is not None:
            changes.add(valid_to + datetime.timedelta(days=1))
    starts = sorted(changes)
    bounds = [(None, starts[0] - datetime.timedelta(days=1) if starts else None)]
    for index, start in enumerate(starts):
        end = starts[index + 1] - datetime.timedelta(days=1) if index + 1 < len(starts) else None
        bounds.append((start, end))
    periods: list[ThresholdPeriod] = []
    for start, end in bounds:
        day = start or end or timezone.localdate()
        amount = policy_for(organisation=organisation, nature="services", launch_date=day).form_threshold
        if periods and periods[-1].amount == amount:
            periods[-1] = ThresholdPeriod(periods[-1].start, end, amount)
        else:
            periods.append(ThresholdPeriod(start, end, amount))
    return periods


def threshold_on(periods: list[ThresholdPeriod], day: datetime.date | None) -> Decimal:
    """The threshold in force on `day` (today for a contract without a notification date)."""
    day = day or timezone.localdate()
    return next(period.amount for period in periods if period.covers(day))


def form_required_q(organisation=None, *, periods: list[ThresholdPeriod] | None = None) -> Q:
    """Contracts that needed a purchase form: markets (a concession is no purchase: the form does not apply to
    it) whose initial amount (€ HT) reaches the form threshold in force at their notification date for
    `organisation` (today's for a contract not notified yet).

    The one rule of the platform for "a form was required": the reconciliation report's "marchés sans fiche" and
    the coverage indicator (`strategies.validated_form_coverage`) both filter with it. One OR-branch per period of
    `form_threshold_periods` (pass `periods` when already read), so one SQL query whatever the number of
    contracts; the buyer is not filtered here."""
    if periods is None:
        periods = form_threshold_periods(organisation)
    condition = Q(notified_on__isnull=True, initial_amount__gte=threshold_on(periods, None))
    for period in periods:
        part = Q(initial_amount__gte=period.amount)
        if period.start is not None:
            part &= Q(notified_on__gte=period.start)
        if period.end is not None:
            part &= Q(notified_on__lte=period.end)
        condition |= part
    return Q(kind=ContractKind.MARKET) & condition


def reconciliation_years(organisation) -> list[int]:
    return sorted(
        {day.year for day in Contract.objects.of_buyer(organisation).dates("notified_on", "year")}, reverse=True
    )


def reconciliation(
    organisation,
    *,
    year: int | None = None,
    direction=None,
    kind: str = "",
    uncovered_limit: int | None = None,
    with_uncovered: bool = True,
) -> Reconciliation:
    """Where the validated forms and the published contracts disagree, and which contracts have no form.

    A linked form is frozen (validated, published, awarded or closed): `planned_considerations` reads its
    snapshot, as the data-quality indicator does (the saved rows only for an old snapshot without them).
    The direction filter applies to the linked contracts only (a contract without a form has no direction)."""
    linked = (
        ProjectContract.objects.filter(project__organisation=organisation)
        .select_related("contract", "project", "project__direction")
        .order_by("-contract__notified_on", "contract__external_id")
    )
    uncovered = Contract.objects.of_buyer(organisation).filter(project_links__isnull=True)
    if year:
        linked = linked.filter(contract__notified_on__year=year)
        uncovered = uncovered.filter(notified_on__year=year)
    if direction is not None:
        linked = linked.filter(project__direction=direction)
    links = linked.filter(project__state__in=FROZEN_STATES).prefetch_related(
        "project__award_criteria", "project__clauses"
    )
    # Validated once, reopened for correction since (and not abandoned): compared again once validated again.
    correcting = linked.filter(project__validated_at__isnull=False).exclude(
        project__state__in=[*FROZEN_STATES, ProjectState.ABANDONED]
    )
    threshold, periods = None, []
    if with_uncovered:
        # The form threshold does not depend on the nature (référentiel "strategy_form"); each contract's initial
        # amount is compared with the one in force at its notification date, in one query whatever the number of
        # periods (the same rule as the coverage indicator).
        periods = form_threshold_periods(organisation)
        threshold = threshold_on(periods, None)
        uncovered = uncovered.filter(form_required_q(periods=periods)).order_by("-notified_on", "external_id")
    else:
        uncovered = uncovered.none()
    disagreements, not_comparable, linked_count = [], [], 0
    for link in links:
        linked_count += 1
        contract, project = link.contract, link.project
        plans_social, plans_environmental = planned_considerations(project)
        line = ReconciliationLine(
            "not_comparable", contract, project, plans_social=plans_social, plans_environmental=plans_environmental
        )
        if not contract.considerations_published:
            not_comparable.append(line)
            continue
        line.messages = consideration_disagreements(
            plans_social=plans_social, plans_environmental=plans_environmental, contract=contract
        )
        line.corrections = disagreement_corrections(
            plans_social=plans_social, plans_environmental=plans_environmental, contract=contract
        )
        line.kinds = tuple(correction.dimension for correction in line.corrections)
        if line.messages and (not kind or kind in line.kinds):
            line.situation = "disagreement"
            disagreements.append(line)
    uncovered_count = uncovered.count()
    rows = uncovered if uncovered_limit is None else uncovered[:uncovered_limit]
    return Reconciliation(
        disagreements=disagreements,
        not_comparable=not_comparable,
        uncovered=[
            ReconciliationLine("uncovered", contract, threshold=threshold_on(periods, contract.notified_on))
            for contract in rows
        ],
        uncovered_count=uncovered_count,
        form_threshold=threshold,
        threshold_periods=periods,
        linked_count=linked_count,
        in_correction=[ReconciliationLine("in_correction", link.contract, link.project) for link in correcting],
    )
