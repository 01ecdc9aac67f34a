"""Reads shared by views, services and other apps: compliance inputs, policy, référentiel version, lists."""

import datetime
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from spaser.accounts.models import Direction
from spaser.referentiel.enums import BuyerKind, Dimension
from spaser.referentiel.models import BuyerSettings, Criterion, Family, LegalObligation
from spaser.referentiel.selectors import resolve_family
from spaser.referentiel.thresholds import applicable_rules
from spaser.strategies import compliance, programme_import
from spaser.strategies.enums import CheckStatus
from spaser.strategies.models import ProgrammeEntry, PurchaseProject, StrategySettings

# The obligation of the référentiel whose date triggers the loi Climat rules of the engine.
CLIMATE_OBLIGATION_CODE = "env_award_criterion"


def settings_for(organisation) -> StrategySettings:
    """The organisation's form settings (defaults when none were saved yet; nothing is written)."""
    found = StrategySettings.objects.filter(organisation=organisation).first()
    return found or StrategySettings(organisation=organisation)


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


def planned_considerations(project: PurchaseProject) -> tuple[bool, bool]:
    """(social, environmental): does the form plan a social, an environmental consideration?

    What the reconciliation report and the data-quality indicator compare with the published contract data.
    Reads the project's saved criteria and clauses (prefetch `award_criteria` and `clauses` for lists)."""
    facts = facts_from(project, lots=[])
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
