"""Writes on purchase projects, their workflow and the purchase programme (style guide R1).

Every write runs in one transaction: a form is saved whole or not at all. A form submitted with an old
`version` is refused (optimistic locking) instead of silently overwriting someone else's changes.
"""

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from spaser.contracts.models import Contract
from spaser.referentiel.enums import ItemKind
from spaser.referentiel.models import Criterion
from spaser.referentiel.selectors import resolve_family
from spaser.strategies import compliance, notifications, selectors, workflow
from spaser.strategies.enums import (
    LINKABLE_STATES,
    ClauseKind,
    ContractLinkEvent,
    CriterionKind,
    ProjectState,
    Transition,
)
from spaser.strategies.models import (
    Attachment,
    AwardCriterion,
    Clause,
    Lot,
    ProgrammeEntry,
    ProjectContract,
    ProjectTransitionLog,
    PurchaseProject,
    StrategySettings,
)

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "Cette fiche a été modifiée par quelqu'un d'autre pendant que vous la remplissiez "
    "(ou son état a changé). Vos modifications n'ont pas été enregistrées : rechargez la fiche, "
    "puis reportez-les."
)
PROJECT_FIELDS = [
    field.name
    for field in PurchaseProject._meta.concrete_fields
    if field.editable
    and field.name
    not in {
        "id",
        "organisation",
        "programme_entry",
        "state",
        "version",
        "created_by",
        "created_at",
        "updated_at",
        "environment_opinion",
        "environment_opinion_favourable",
        "blocking_count",
    }
]


def _locked(project: PurchaseProject, expected_version: int | None) -> PurchaseProject:
    locked = PurchaseProject.objects.select_for_update().get(pk=project.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE_MESSAGE, code="stale")
    return locked


def _refresh_blocking(project: PurchaseProject) -> compliance.Report:
    report = selectors.project_report(project)
    project.blocking_count = len(report.blocking)
    PurchaseProject.objects.filter(pk=project.pk).update(blocking_count=project.blocking_count)
    return report


# --- Settings ------------------------------------------------------------------------------------------------


@transaction.atomic
def strategy_settings_update(*, organisation, data: dict) -> StrategySettings:
    strategy_settings, _ = StrategySettings.objects.get_or_create(organisation=organisation)
    families = data.pop("opinion_families", None)
    for name, value in data.items():
        setattr(strategy_settings, name, value)
    strategy_settings.full_clean()
    strategy_settings.save()
    if families is not None:
        strategy_settings.opinion_families.set(families)
    return strategy_settings


# --- Programme -------------------------------------------------------------------------------------------------


def programme_entry_flags(entry: ProgrammeEntry, *, rse_family_ids: set[int] | None = None) -> ProgrammeEntry:
    """Sets the automatic flags: form required, éligible RSE (family's potential), EU threshold reached."""
    launch = entry.planned_launch_date or _quarter_start(entry.year, entry.planned_quarter)
    policy = selectors.policy_for(organisation=entry.organisation, nature=entry.nature, launch_date=launch)
    if rse_family_ids is None:
        rse_family_ids = selectors.rse_eligible_family_ids()
    entry.form_required = compliance.form_required(entry.estimated_amount, policy.form_threshold)
    entry.eu_threshold_reached = compliance.eu_threshold_reached(entry.estimated_amount, policy.eu_threshold)
    entry.rse_eligible = entry.family_id in rse_family_ids
    return entry


def _quarter_start(year: int, quarter: int | None) -> datetime.date:
    return datetime.date(year, 3 * ((quarter or 1) - 1) + 1, 1)


def _entry_prepare(entry: ProgrammeEntry, rse_family_ids=None) -> ProgrammeEntry:
    if entry.family_id is None and entry.cpv_code:
        entry.family = resolve_family(entry.cpv_code)
    if entry.planned_launch_date and not entry.planned_quarter:
        entry.planned_quarter = (entry.planned_launch_date.month - 1) // 3 + 1
    programme_entry_flags(entry, rse_family_ids=rse_family_ids)
    entry.full_clean()
    return entry


@transaction.atomic
def programme_entry_save(*, organisation, data: dict, entry: ProgrammeEntry | None = None) -> ProgrammeEntry:
    entry = entry or ProgrammeEntry(organisation=organisation)
    for name, value in data.items():
        setattr(entry, name, value)
    _entry_prepare(entry)
    entry.save()
    return entry


@transaction.atomic
def programme_entries_import(*, organisation, rows: list[dict]) -> list[ProgrammeEntry]:
    """Creates every row or none (rows come from the confirmed, fully valid preview)."""
    rse_family_ids = selectors.rse_eligible_family_ids()
    entries = []
    for row in rows:
        entry = ProgrammeEntry(organisation=organisation, **row)
        _entry_prepare(entry, rse_family_ids)
        entry.save()
        entries.append(entry)
    logger.info("programme import: %d entries for organisation %s", len(entries), organisation.pk)
    return entries


@transaction.atomic
def programme_import_confirm(*, pending, rows: list[dict]) -> list[ProgrammeEntry]:
    """Imports the previewed rows and marks the upload as done (a second confirmation imports nothing)."""
    pending = type(pending).objects.select_for_update().get(pk=pending.pk)
    if pending.confirmed_at is not None:
        raise ValidationError("Ce fichier a déjà été importé.", code="done")
    entries = programme_entries_import(organisation=pending.organisation, rows=rows)
    pending.confirmed_at = timezone.now()
    pending.imported_count = len(entries)
    pending.content = b""
    pending.save(update_fields=["confirmed_at", "imported_count", "content", "updated_at"])
    return entries


@transaction.atomic
def programme_entries_publish(*, organisation, entry_ids, publish: bool) -> int:
    return ProgrammeEntry.objects.of_organisation(organisation).filter(pk__in=entry_ids).update(is_published=publish)


# --- Projects --------------------------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, organisation, by, data: dict, programme_entry: ProgrammeEntry | None = None) -> PurchaseProject:
    project = PurchaseProject(organisation=organisation, created_by=by, programme_entry=programme_entry)
    for name, value in data.items():
        setattr(project, name, value)
    if project.family_id is None and project.cpv_codes:
        project.family = resolve_family(project.cpv_codes[0])
    project.full_clean()
    project.save()
    _refresh_blocking(project)
    return project


@transaction.atomic
def project_create_from_entry(*, entry: ProgrammeEntry, by) -> PurchaseProject:
    entry = ProgrammeEntry.objects.select_for_update().get(pk=entry.pk)
    if PurchaseProject.objects.filter(programme_entry=entry).exists():
        raise ValidationError("Cette ligne de programmation a déjà donné lieu à un projet d'achat.", code="exists")
    return project_create(
        organisation=entry.organisation,
        by=by,
        programme_entry=entry,
        data={
            "subject": entry.subject,
            "direction": entry.direction,
            "family": entry.family,
            "cpv_codes": [entry.cpv_code] if entry.cpv_code else [],
            "nature": entry.nature,
            "estimated_amount": entry.estimated_amount,
            "planned_launch_date": entry.planned_launch_date,
            "is_renewal": entry.is_renewal,
            "previous_contract": entry.previous_contract,
        },
    )


@transaction.atomic
def project_update(
    *,
    project: PurchaseProject,
    by,
    data: dict,
    expected_version: int,
    criteria: list[dict] | None = None,
    clauses: list[dict] | None = None,
    lots: list[dict] | None = None,
) -> PurchaseProject:
    """Saves the whole form: fields and, when given, the full lists of criteria, clauses and lots."""
    project = _locked(project, expected_version)
    if not project.is_editable:
        raise ValidationError("Cette fiche n'est plus modifiable dans son état actuel.", code="state")
    for name, value in data.items():
        if name not in PROJECT_FIELDS:
            raise ValueError(f"champ non modifiable : {name}")
        setattr(project, name, value)
    project.version += 1
    project.full_clean()
    project.save()
    known_sources = set(Criterion.objects.filter(pk__in=_source_ids(criteria, clauses)).values_list("pk", flat=True))
    criteria = _with_known_source(criteria, known_sources)
    clauses = _with_known_source(clauses, known_sources)
    if criteria is not None:
        project.award_criteria.all().delete()
        AwardCriterion.objects.bulk_create(
            [AwardCriterion(project=project, position=index, **row) for index, row in enumerate(criteria)]
        )
    if clauses is not None:
        project.clauses.all().delete()
        Clause.objects.bulk_create(
            [Clause(project=project, position=index, **row) for index, row in enumerate(clauses)]
        )
    if lots is not None:
        project.lots.all().delete()
        Lot.objects.bulk_create([Lot(project=project, **row) for row in lots])
    _refresh_blocking(project)
    return project


def _source_ids(*row_lists) -> set[int]:
    return {row["source_id"] for rows in row_lists for row in rows or () if row.get("source_id")}


def _with_known_source(rows, known: set[int]):
    """A référentiel id posted back by the form is kept only if it still exists (never trusted blindly)."""
    if rows is None:
        return None
    return [{**row, "source_id": row.get("source_id") if row.get("source_id") in known else None} for row in rows]


@transaction.atomic
def project_add_referentiel_item(*, project: PurchaseProject, criterion: Criterion, by, expected_version: int):
    """One click adds a référentiel item: an award criterion (weight: bottom of its range) or a clause."""
    project = _locked(project, expected_version)
    if not project.is_editable:
        raise ValidationError("Cette fiche n'est plus modifiable dans son état actuel.", code="state")
    if criterion.kind == ItemKind.AWARD_CRITERION:
        if project.award_criteria.filter(source=criterion).exists():
            raise ValidationError("Ce critère figure déjà dans la fiche.", code="duplicate")
        kind = {
            "environmental": CriterionKind.ENVIRONMENTAL,
            "social": CriterionKind.SOCIAL,
        }.get(criterion.dimension, CriterionKind.OTHER)
        item = AwardCriterion.objects.create(
            project=project,
            label=criterion.title,
            kind=kind,
            weight=Decimal(criterion.weighting_min or 0),
            description=criterion.wording,
            source=criterion,
            position=project.award_criteria.count(),
        )
    elif criterion.kind == ItemKind.RESERVATION:
        raise ValidationError(
            "Une réservation se choisit dans la partie sociale de la fiche (champ « marché ou lot réservé »).",
            code="reservation",
        )
    else:
        if project.clauses.filter(source=criterion).exists():
            raise ValidationError("Cette clause figure déjà dans la fiche.", code="duplicate")
        kind = {
            ItemKind.TECHNICAL_SPECIFICATION: ClauseKind.TECHNICAL_SPECIFICATION,
            ItemKind.SELECTION_CRITERION: ClauseKind.SELECTION_CRITERION,
            ItemKind.VARIANT: ClauseKind.VARIANT,
        }.get(criterion.kind, ClauseKind.EXECUTION_CONDITION)
        item = Clause.objects.create(
            project=project,
            label=criterion.title,
            dimension=criterion.dimension,
            kind=kind,
            wording=criterion.wording,
            source=criterion,
            position=project.clauses.count(),
        )
    project.version += 1
    project.save(update_fields=["version", "updated_at"])
    _refresh_blocking(project)
    return item


@transaction.atomic
def attachment_add(*, project: PurchaseProject, by, label: str, file) -> Attachment:
    attachment = Attachment(project=project, label=label.strip(), file=file, uploaded_by=by)
    attachment.full_clean()
    attachment.save()
    return attachment


# --- Workflow --------------------------------------------------------------------------------------------------


def _notify(notification_class, project, by, comment=""):
    transaction.on_commit(lambda: notification_class(project=project, by=by, comment=comment).send())


def _require_comment(comment: str, message: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": message}, code="comment")
    return comment


def _raise_if_blocking(project) -> compliance.Report:
    report = selectors.project_report(project)
    if report.blocking:
        raise ValidationError(
            ["La fiche ne respecte pas encore des règles bloquantes :"] + [f.message for f in report.blocking],
            code="blocking",
        )
    return report


def _raise_if_author(project, by, transition) -> None:
    """The four-eyes setting of the organisation, checked here whatever the page showed."""
    refusal = selectors.review_refusal(project, by, transition)
    if refusal:
        raise ValidationError(refusal, code="author")


def opinion_required(project: PurchaseProject) -> bool:
    """Targeted families or amounts get an environment opinion automatically (organisation settings)."""
    strategy_settings = selectors.settings_for(project.organisation)
    if not strategy_settings.pk:
        return False
    threshold = strategy_settings.opinion_amount_threshold
    if threshold is not None and project.estimated_amount is not None and project.estimated_amount >= threshold:
        return True
    return project.family_id is not None and strategy_settings.opinion_families.filter(pk=project.family_id).exists()


@transaction.atomic
def project_submit(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    project = _locked(project, expected_version)
    _raise_if_blocking(project)
    workflow.apply_transition(project, Transition.SUBMIT, by=by, comment=comment)
    if opinion_required(project):
        reason = "Demandé automatiquement : famille ou montant ciblé pour l'avis environnement."
        workflow.apply_transition(project, Transition.REQUEST_OPINION, by=by, comment=reason)
        _notify(notifications.OpinionRequested, project, by, reason)
    _notify(notifications.ProjectSubmitted, project, by, comment)
    return project


@transaction.atomic
def project_request_opinion(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    project = _locked(project, expected_version)
    workflow.apply_transition(project, Transition.REQUEST_OPINION, by=by, comment=comment)
    _notify(notifications.OpinionRequested, project, by, comment)
    return project


@transaction.atomic
def project_give_opinion(*, project, by, comment="", favourable=None, expected_version=None) -> PurchaseProject:
    project = _locked(project, expected_version)
    _raise_if_author(project, by, Transition.GIVE_OPINION)
    comment = _require_comment(comment, "Rédigez l'avis environnement.")
    if favourable is None:
        raise ValidationError({"favourable": "Indiquez si l'avis est favorable ou réservé."}, code="favourable")
    project.environment_opinion = comment
    project.environment_opinion_favourable = favourable
    workflow.apply_transition(
        project,
        Transition.GIVE_OPINION,
        by=by,
        comment=("Avis favorable : " if favourable else "Avis réservé : ") + comment,
        extra_fields=["environment_opinion", "environment_opinion_favourable"],
    )
    _notify(notifications.OpinionGiven, project, by, comment)
    return project


@transaction.atomic
def project_request_changes(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    project = _locked(project, expected_version)
    comment = _require_comment(comment, "Dites ce qui doit être repris.")
    workflow.apply_transition(project, Transition.REQUEST_CHANGES, by=by, comment=comment)
    _notify(notifications.ChangesRequested, project, by, comment)
    return project


@transaction.atomic
def project_validate(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    """Validates and freezes a JSON snapshot of the form with the référentiel version it was checked against."""
    project = _locked(project, expected_version)
    _raise_if_author(project, by, Transition.VALIDATE)
    report = _raise_if_blocking(project)
    project.referentiel_version = selectors.referentiel_version()
    project.validated_at = timezone.now()
    project.snapshot = project_snapshot(project, report=report)
    workflow.apply_transition(
        project,
        Transition.VALIDATE,
        by=by,
        comment=comment,
        extra_fields=["snapshot", "referentiel_version", "validated_at"],
    )
    _return_after_correction(project, by=by)
    _notify(notifications.ProjectValidated, project, by, comment)
    return project


def _return_after_correction(project, *, by) -> None:
    """A form reopened for correction (``Transition.REOPEN``) once launched or awarded goes back there when it is
    validated again, through the workflow table and its log: its consultation was launched, its award stands."""
    # The validation just logged, then the step that opened this round of work: a reopening, or nothing.
    logs = project.transition_logs.filter(transition__in=[Transition.REOPEN, Transition.VALIDATE])
    latest = list(logs.order_by("-timestamp", "-pk")[:2])
    if len(latest) < 2 or latest[1].transition != Transition.REOPEN:
        return
    last = latest[1]
    if last.from_state in (ProjectState.PUBLISHED, ProjectState.AWARDED) and project.launched_on is not None:
        workflow.apply_transition(
            project,
            Transition.PUBLISH,
            by=by,
            comment=f"Fiche corrigée et validée à nouveau ; consultation lancée le {project.launched_on:%d/%m/%Y}.",
        )
    if last.from_state == ProjectState.AWARDED:
        workflow.apply_transition(
            project, Transition.AWARD, by=by, comment="Fiche corrigée et validée à nouveau ; l'attribution demeure."
        )


@transaction.atomic
def project_reopen(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    """Reopens a validated, published or awarded form so that it is corrected (its author is told what to
    correct). Its snapshot, launch date and linked contracts stay; once validated again it returns to where it
    was. Until then it no longer counts as validated."""
    project = _locked(project, expected_version)
    comment = _require_comment(comment, "Dites ce que la fiche doit corriger.")
    workflow.apply_transition(project, Transition.REOPEN, by=by, comment=comment)
    _notify(notifications.ChangesRequested, project, by, comment)
    return project


def _simple(transition):
    @transaction.atomic
    def service(*, project, by, comment="", expected_version=None) -> PurchaseProject:
        project = _locked(project, expected_version)
        workflow.apply_transition(project, transition, by=by, comment=comment)
        return project

    return service


@transaction.atomic
def project_publish(*, project, by, comment="", launch_date=None, expected_version=None) -> PurchaseProject:
    """Records the actual launch date; the rules are checked again for that date (it may cross 2026-08-21)."""
    project = _locked(project, expected_version)
    if launch_date is None:
        raise ValidationError({"launch_date": "Indiquez la date de lancement de la consultation."}, code="launch")
    project.launched_on = launch_date
    report = selectors.project_report(project)
    if report.blocking:
        raise ValidationError(
            [f"Avec un lancement le {launch_date:%d/%m/%Y}, la fiche ne respecte plus des règles bloquantes :"]
            + [finding.message for finding in report.blocking]
            + ["Faites-la reprendre (abandon puis nouvelle fiche) ou corrigez la date."],
            code="blocking",
        )
    workflow.apply_transition(project, Transition.PUBLISH, by=by, comment=comment, extra_fields=["launched_on"])
    return project


project_award = _simple(Transition.AWARD)
project_close = _simple(Transition.CLOSE)


@transaction.atomic
def project_unaward(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    """Cancels an award recorded by hand: the project is "Publiée" again, waiting for its real contract.

    An award that rests on linked published contracts is undone by detaching them (the last one detached
    cancels it), never by hand: the project would otherwise stay linked to contracts while not awarded."""
    project = _locked(project, expected_version)
    comment = _require_comment(comment, "Dites pourquoi l'attribution est annulée.")
    if project.contract_links.exists():
        raise ValidationError(
            "Cette attribution repose sur des marchés publiés rattachés : détachez-les (section « Marchés publiés "
            "(DECP) ») ; le dernier détaché annule l'attribution.",
            code="linked",
        )
    workflow.apply_transition(project, Transition.UNAWARD, by=by, comment=comment)
    return project


@transaction.atomic
def project_abandon(*, project, by, comment="", expected_version=None) -> PurchaseProject:
    project = _locked(project, expected_version)
    comment = _require_comment(comment, "Dites pourquoi le projet est abandonné.")
    workflow.apply_transition(project, Transition.ABANDON, by=by, comment=comment)
    return project


TRANSITION_SERVICES = {
    Transition.SUBMIT: project_submit,
    Transition.REQUEST_OPINION: project_request_opinion,
    Transition.GIVE_OPINION: project_give_opinion,
    Transition.REQUEST_CHANGES: project_request_changes,
    Transition.VALIDATE: project_validate,
    Transition.REOPEN: project_reopen,
    Transition.PUBLISH: project_publish,
    Transition.AWARD: project_award,
    Transition.UNAWARD: project_unaward,
    Transition.CLOSE: project_close,
    Transition.ABANDON: project_abandon,
}


# --- Published contracts (DECP) -----------------------------------------------------------------------------------


def _log_event(project, event: str, *, by, comment: str) -> ProjectTransitionLog:
    """A line of the project's log that does not change its state (same table as the transitions)."""
    return ProjectTransitionLog.objects.create(
        project=project, transition=event, from_state=project.state, to_state=project.state, user=by, comment=comment
    )


@transaction.atomic
def project_contract_confirm(*, project, contract_ids, by, scores=None) -> list[ProjectContract]:
    """Links the published contracts (one per lot, or one) that answer a validated form; awards it if needed.

    Only the organisation's own contracts may be linked, and a contract answers one project only: every
    refusal names the contract, and nothing is linked when one of them is refused. A validated or published
    project moves to "Attribuée" through the workflow table (and its log)."""
    project = _locked(project, None)
    if project.state not in LINKABLE_STATES:
        raise ValidationError(
            "Seul un projet validé, publié ou attribué peut être rattaché à un marché publié.", code="state"
        )
    ids = list(dict.fromkeys(int(pk) for pk in contract_ids))
    if not ids:
        raise ValidationError({"contracts": "Cochez au moins un marché à rattacher."}, code="empty")
    contracts = Contract.objects.in_bulk(ids)
    errors = []
    for pk in ids:
        contract = contracts.get(pk)
        if contract is None:
            errors.append(f"Le marché n° {pk} n'existe pas.")
        elif contract.buyer_id != project.organisation_id:
            errors.append(
                f"Le marché « {contract.external_id} » a été publié par un autre acheteur : "
                "seuls les marchés de votre organisation peuvent être rattachés à ses projets."
            )
    for link in ProjectContract.objects.filter(contract_id__in=ids).select_related("project", "contract"):
        if link.project_id == project.pk:
            errors.append(f"Le marché « {link.contract.external_id} » est déjà rattaché à ce projet.")
        else:
            errors.append(
                f"Le marché « {link.contract.external_id} » est déjà rattaché au projet « {link.project.subject} » : "
                "un marché ne répond qu'à un seul projet."
            )
    if errors:
        raise ValidationError(errors, code="contract")
    scores = scores or {}
    try:
        with transaction.atomic():
            links = ProjectContract.objects.bulk_create(
                [
                    ProjectContract(project=project, contract=contracts[pk], confirmed_by=by, score=scores.get(pk))
                    for pk in ids
                ]
            )
    except IntegrityError as error:  # linked by someone else meanwhile: the constraint decides
        raise ValidationError(
            "Un de ces marchés vient d'être rattaché à un autre projet : rechargez la page.", code="race"
        ) from error
    labels = ", ".join(f"« {contracts[pk].external_id} »" for pk in ids)
    _log_event(project, ContractLinkEvent.LINKED, by=by, comment=f"Marché(s) publié(s) rattaché(s) : {labels}.")
    if project.state in (ProjectState.VALIDATED, ProjectState.PUBLISHED):
        workflow.apply_transition(
            project,
            Transition.AWARD,
            by=by,
            comment=f"Attribution constatée dans les données publiées (DECP) : {labels}.",
        )
    return links


@transaction.atomic
def project_contract_unlink(*, link: ProjectContract, by, reason: str) -> bool:
    """Detaches a published contract from its project, the reason kept in the project's log.

    When the last linked contract goes, an awarded project is "Publiée" again through the workflow table
    (transition "Annuler l'attribution", logged): nothing shows it awarded any more. Returns whether the
    award was cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Dites pourquoi ce marché est détaché du projet."}, code="reason")
    project = _locked(link.project, None)
    link = ProjectContract.objects.select_related("contract").filter(pk=link.pk, project=project).first()
    if link is None:
        raise ValidationError("Ce marché n'est plus rattaché à ce projet.", code="gone")
    label = link.contract.external_id
    _log_event(project, ContractLinkEvent.UNLINKED, by=by, comment=f"Marché « {label} » détaché : {reason}")
    link.delete()
    if project.state != ProjectState.AWARDED or project.contract_links.exists():
        return False
    workflow.apply_transition(
        project,
        Transition.UNAWARD,
        by=by,
        comment=f"Dernier marché publié détaché (« {label} ») : l'attribution n'est plus constatée.",
    )
    return True


# --- Snapshot --------------------------------------------------------------------------------------------------


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def project_snapshot(project: PurchaseProject, *, report: compliance.Report) -> dict:
    """Everything the validator saw, readable without the référentiel (its items' wording is copied)."""
    fields = {}
    for name in PROJECT_FIELDS:
        if name in {"snapshot", "referentiel_version", "validated_at", "direction", "family"}:
            continue
        if name == "execution_commune":
            fields[name] = str(project.execution_commune) if project.execution_commune_id else None
            continue
        fields[name] = _json(getattr(project, name))
    return {
        "format": 1,
        "referentiel_version": project.referentiel_version,
        "validated_at": _json(project.validated_at),
        "state_before_validation": project.state,
        "organisation": {"siret": project.organisation.siret, "name": project.organisation.name},
        "direction": {"code": project.direction.code, "name": project.direction.name} if project.direction else None,
        "family": {"code": project.family.code, "label": project.family.label} if project.family else None,
        "fields": fields,
        "award_criteria": [
            {
                "label": item.label,
                "kind": item.kind,
                "weight": _json(item.weight),
                "includes_environment": item.includes_environment,
                "description": item.description,
                "source": item.source.code if item.source else None,
            }
            for item in project.award_criteria.select_related("source")
        ],
        "clauses": [
            {
                "label": item.label,
                "dimension": item.dimension,
                "kind": item.kind,
                "wording": item.wording,
                "source": item.source.code if item.source else None,
            }
            for item in project.clauses.select_related("source")
        ],
        "lots": [
            {"number": lot.number, "title": lot.title, "estimated_amount": _json(lot.estimated_amount)}
            for lot in project.lots.all()
        ],
        "compliance": report.as_list(),
    }
