from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from spaser.accounts.models import Direction, Organisation
from spaser.contracts.models import Contract
from spaser.core.models import TimeStampedModel, TransitionLogBase
from spaser.geo.models import Commune
from spaser.referentiel.enums import ContractNature
from spaser.referentiel.models import Criterion, Family
from spaser.strategies.enums import (
    EDITABLE_STATES,
    ClauseDimension,
    ClauseKind,
    ContractLinkEvent,
    CriterionKind,
    Procedure,
    ProjectState,
    Quarter,
    Reservation,
    Transition,
)

FROZEN_STATES = [ProjectState.VALIDATED, ProjectState.PUBLISHED, ProjectState.AWARDED, ProjectState.CLOSED]


class StrategySettings(TimeStampedModel):
    """Per-organisation settings of the form: the SPASER weight range and what triggers the environment opinion."""

    organisation = models.OneToOneField(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="strategy_settings"
    )
    env_weight_min = models.DecimalField(
        "pondération environnementale minimale (%)", max_digits=5, decimal_places=2, default=10
    )
    env_weight_max = models.DecimalField(
        "pondération environnementale maximale (%)", max_digits=5, decimal_places=2, default=15
    )
    opinion_amount_threshold = models.DecimalField(
        "avis environnement requis à partir de (€ HT)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide : l'avis n'est demandé automatiquement que pour les familles ciblées.",
    )
    opinion_families = models.ManyToManyField(
        Family,
        verbose_name="familles ciblées pour l'avis environnement",
        related_name="+",
        blank=True,
    )
    # Four-eyes rule: the steps that review a form (validation, environment opinion) are taken by someone else
    # than whoever wrote or submitted it (``selectors.review_refusal``). On by default; only an administrator
    # turns it off.
    validator_not_author = models.BooleanField(
        "la personne qui valide une fiche n'en est pas l'auteur",
        default=True,
        help_text="Celui qui a créé ou soumis une fiche ne peut ni la valider ni rendre l'avis environnement.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réglages de la fiche projet d'achat"
        verbose_name_plural = "réglages de la fiche projet d'achat"
        constraints = [
            models.CheckConstraint(
                condition=Q(env_weight_min__gte=0)
                & Q(env_weight_min__lte=F("env_weight_max"))
                & Q(env_weight_max__lte=100),
                name="strategysettings_env_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(opinion_amount_threshold__isnull=True) | Q(opinion_amount_threshold__gt=0),
                name="strategysettings_opinion_threshold_positive",
            ),
        ]

    def __str__(self):
        return f"Réglages de la fiche – {self.organisation}"


# --- Programme ---------------------------------------------------------------------------------------------


class ProgrammeEntryQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)

    def published(self):
        """The forward procurement plan shown to companies (observatory)."""
        return self.filter(is_published=True)


class ProgrammeEntry(TimeStampedModel):
    """A line of the annual purchase programme (programmation des achats)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="programme_entries"
    )
    year = models.PositiveSmallIntegerField("année")
    subject = models.CharField("objet", max_length=255)
    direction = models.ForeignKey(
        Direction, verbose_name="direction", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    family = models.ForeignKey(
        Family, verbose_name="famille d'achat", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cpv_code = models.CharField("code CPV", max_length=8, blank=True)
    estimated_amount = models.DecimalField("montant estimé HT (€)", max_digits=14, decimal_places=2)
    nature = models.CharField("nature", max_length=20, choices=ContractNature.choices)
    planned_launch_date = models.DateField("lancement prévu le", null=True, blank=True)
    planned_quarter = models.PositiveSmallIntegerField(
        "trimestre de lancement prévu", choices=Quarter.choices, null=True, blank=True
    )
    is_recurrent = models.BooleanField("achat récurrent", default=False)
    is_renewal = models.BooleanField("renouvellement d'un marché existant", default=False)
    previous_contract = models.CharField("marché renouvelé (référence)", max_length=100, blank=True)
    # Flags computed by services.programme_entry_flags (never typed by the user).
    form_required = models.BooleanField("fiche obligatoire", default=False)
    rse_eligible = models.BooleanField("éligible RSE", default=False)
    eu_threshold_reached = models.BooleanField("seuil européen atteint", default=False)
    is_published = models.BooleanField("publié pour les entreprises", default=False)
    history = HistoricalRecords()

    objects = ProgrammeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de la programmation"
        verbose_name_plural = "programmation des achats"
        ordering = ["organisation", "year", "planned_quarter", "planned_launch_date", "subject"]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_amount__gt=0), name="programmeentry_amount_positive"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="programmeentry_year_range"),
            models.CheckConstraint(
                condition=Q(planned_quarter__isnull=True) | Q(planned_quarter__gte=1, planned_quarter__lte=4),
                name="programmeentry_quarter_range",
            ),
            models.CheckConstraint(
                condition=Q(cpv_code="") | Q(cpv_code__regex=r"^[0-9]{8}$"), name="programmeentry_cpv_format"
            ),
        ]

    def __str__(self):
        return f"{self.year} – {self.subject}"

    @property
    def launch_label(self) -> str:
        if self.planned_launch_date:
            return f"{self.planned_launch_date:%d/%m/%Y}"
        if self.planned_quarter:
            return f"T{self.planned_quarter} {self.year}"
        return ""


# --- Purchase project (the form) ------------------------------------------------------------------------------


class PurchaseProjectQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)

    def in_directions(self, direction_ids):
        """direction_ids None means every direction of the organisation."""
        if direction_ids is None:
            return self
        return self.filter(Q(direction_id__in=direction_ids) | Q(direction__isnull=True))

    def with_state(self, *states):
        return self.filter(state__in=states)

    def compliant(self):
        return self.filter(blocking_count=0)

    def not_compliant(self):
        return self.filter(blocking_count__gt=0)

    def award_cancelled(self):
        """Published again after their award was cancelled: they wait for the published contract that answers
        them (a new award moves them out of "Publiée")."""
        cancelled = ProjectTransitionLog.objects.filter(project=models.OuterRef("pk"), transition=Transition.UNAWARD)
        return self.filter(models.Exists(cancelled), state=ProjectState.PUBLISHED)


class PurchaseProject(TimeStampedModel):
    """The form "Mon projet d'achat responsable": one purchase, its responsible choices and its validation."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="purchase_projects"
    )
    programme_entry = models.OneToOneField(
        ProgrammeEntry,
        verbose_name="ligne de programmation",
        on_delete=models.SET_NULL,
        related_name="project",
        null=True,
        blank=True,
    )
    state = models.CharField("état", max_length=30, choices=ProjectState.choices, default=ProjectState.DRAFT)
    version = models.PositiveIntegerField("version", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.RESTRICT,  # RESTRICT: traçabilité
        related_name="+",
        null=True,
        blank=True,
    )
    # Identification
    subject = models.CharField("objet de l'achat", max_length=255)
    direction = models.ForeignKey(
        Direction, verbose_name="direction", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    family = models.ForeignKey(
        Family, verbose_name="famille d'achat", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cpv_codes = models.JSONField("codes CPV", default=list, blank=True)
    nature = models.CharField("nature", max_length=20, choices=ContractNature.choices)
    procedure = models.CharField("procédure envisagée", max_length=30, choices=Procedure.choices, blank=True)
    estimated_amount = models.DecimalField(
        "montant estimé HT (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    duration_months = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    is_allotted = models.BooleanField("marché alloti", default=False)
    allotment_reason = models.TextField("motif de la décision d'allotissement", blank=True)
    planned_launch_date = models.DateField("lancement de la consultation prévu le", null=True, blank=True)
    planned_notification_date = models.DateField("notification prévue le", null=True, blank=True)
    is_renewal = models.BooleanField("renouvellement d'un marché existant", default=False)
    previous_contract = models.CharField("marché renouvelé (référence)", max_length=100, blank=True)
    execution_commune = models.ForeignKey(
        Commune,
        verbose_name="lieu principal d'exécution",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Commune où la prestation est principalement exécutée : elle situe les fournisseurs potentiels.",
    )
    # Needs analysis
    sourcing_done = models.BooleanField("sourçage réalisé", default=False)
    sourcing_with = models.TextField("sourçage : avec qui", blank=True)
    sourcing_date = models.DateField("sourçage : quand", null=True, blank=True)
    functional_analysis = models.BooleanField("analyse fonctionnelle du besoin", default=False)
    full_cost_approach = models.BooleanField("approche en coût global ou cycle de vie", default=False)
    variants_allowed = models.BooleanField("variantes autorisées", default=False)
    technical_memo_requested = models.BooleanField("mémoire technique demandé", default=False)
    technical_memo_reason = models.TextField("pourquoi (mémoire technique)", blank=True)
    # Environmental part
    environmental_domains = models.JSONField("domaines environnementaux concernés", default=list, blank=True)
    # Social part
    insertion_clause = models.BooleanField("clause d'insertion", default=False)
    insertion_labour_share = models.DecimalField(
        "part de main-d'œuvre (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    insertion_rate = models.DecimalField("taux d'insertion (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    insertion_hourly_cost = models.DecimalField(
        "coût horaire chargé (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    insertion_hours = models.DecimalField("heures d'insertion", max_digits=10, decimal_places=0, null=True, blank=True)
    reservation = models.CharField("marché ou lot réservé", max_length=10, choices=Reservation.choices, blank=True)
    social_devices = models.JSONField("autres dispositifs sociaux", default=list, blank=True)
    social_justification = models.TextField("justification de l'absence de considération sociale", blank=True)
    social_exception = models.TextField(
        "exception à la condition d'exécution sociale (CCP L2112-2-1)",
        blank=True,
        help_text="Les exceptions prévues par le texte ne sont pas vérifiées : citez l'article exact invoqué.",
    )
    # Economic and territorial part
    sme_lots = models.BooleanField("accès des PME : allotissement adapté", default=False)
    sme_advance = models.BooleanField("accès des PME : avance majorée", default=False)
    payment_days = models.PositiveSmallIntegerField("délai de paiement (jours)", null=True, blank=True)
    ess_access = models.BooleanField("ouverture aux structures de l'ESS", default=False)
    short_supply_measures = models.TextField("mesures licites en faveur des circuits courts", blank=True)
    # Later issue (carbon): an estimate typed by the buyer, no computation yet.
    carbon_estimate_kg = models.DecimalField(
        "émissions estimées (kg CO2e)", max_digits=14, decimal_places=0, null=True, blank=True
    )
    # Workflow
    environment_opinion = models.TextField("avis environnement", blank=True)
    environment_opinion_favourable = models.BooleanField("avis favorable", null=True, blank=True)
    blocking_count = models.PositiveSmallIntegerField("règles bloquantes non respectées", default=0)
    snapshot = models.JSONField("fiche figée à la validation", null=True, blank=True, editable=False)
    referentiel_version = models.CharField("version du référentiel", max_length=100, blank=True, editable=False)
    validated_at = models.DateTimeField("validée le", null=True, blank=True, editable=False)
    launched_on = models.DateField("consultation lancée le", null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["blocking_count"])

    objects = PurchaseProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "projet d'achat responsable"
        verbose_name_plural = "projets d'achat responsable"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_amount__isnull=True) | Q(estimated_amount__gt=0),
                name="purchaseproject_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(duration_months__isnull=True) | Q(duration_months__gt=0),
                name="purchaseproject_duration_positive",
            ),
            models.CheckConstraint(
                condition=Q(planned_launch_date__isnull=True)
                | Q(planned_notification_date__isnull=True)
                | Q(planned_notification_date__gte=F("planned_launch_date")),
                name="purchaseproject_notification_after_launch",
            ),
            models.CheckConstraint(
                condition=Q(insertion_hours__isnull=True) | Q(insertion_hours__gte=0),
                name="purchaseproject_insertion_hours_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=FROZEN_STATES) | Q(snapshot__isnull=False, validated_at__isnull=False),
                name="purchaseproject_validated_has_snapshot",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def launch_date(self):
        """The actual launch date once published, the planned one before: it decides which rules apply."""
        return self.launched_on or self.planned_launch_date


class AwardCriterion(TimeStampedModel):
    project = models.ForeignKey(
        PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="award_criteria"
    )
    label = models.CharField("critère", max_length=255)
    kind = models.CharField("type", max_length=20, choices=CriterionKind.choices)
    weight = models.DecimalField("pondération (%)", max_digits=5, decimal_places=2)
    includes_environment = models.BooleanField(
        "intègre les caractéristiques environnementales",
        default=False,
        help_text="Pour un critère de coût global ou de cycle de vie (CCP R2152-9).",
    )
    description = models.TextField("rédaction", blank=True)
    source = models.ForeignKey(
        Criterion,
        verbose_name="issu du référentiel",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "critère d'attribution"
        verbose_name_plural = "critères d'attribution"
        ordering = ["project", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0, weight__lte=100), name="awardcriterion_weight_0_100"),
        ]

    def __str__(self):
        return f"{self.label} ({self.weight} %)"


class Clause(TimeStampedModel):
    """An execution condition, technical specification, selection criterion or variant of the project."""

    project = models.ForeignKey(
        PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="clauses"
    )
    label = models.CharField("intitulé", max_length=255)
    dimension = models.CharField("dimension", max_length=20, choices=ClauseDimension.choices)
    kind = models.CharField("type", max_length=30, choices=ClauseKind.choices, default=ClauseKind.EXECUTION_CONDITION)
    wording = models.TextField("rédaction", blank=True)
    source = models.ForeignKey(
        Criterion,
        verbose_name="issu du référentiel",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "clause"
        verbose_name_plural = "clauses"
        ordering = ["project", "position", "pk"]

    def __str__(self):
        return self.label


class Lot(TimeStampedModel):
    project = models.ForeignKey(PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField("numéro")
    title = models.CharField("intitulé", max_length=255)
    estimated_amount = models.DecimalField("montant estimé HT (€)", max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lot"
        verbose_name_plural = "lots"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="lot_number_unique_per_project"),
            models.CheckConstraint(condition=Q(estimated_amount__gt=0), name="lot_amount_positive"),
            models.CheckConstraint(condition=Q(number__gt=0), name="lot_number_positive"),
        ]

    def __str__(self):
        return f"Lot {self.number} – {self.title}"


def attachment_path(instance, filename):
    return f"strategies/{instance.project.organisation_id}/{instance.project_id}/{filename}"


class Attachment(TimeStampedModel):
    project = models.ForeignKey(
        PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="attachments"
    )
    label = models.CharField("intitulé", max_length=255)
    file = models.FileField("fichier", upload_to=attachment_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.RESTRICT, related_name="+"
    )

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["project", "created_at"]

    def __str__(self):
        return self.label


class ProjectContract(TimeStampedModel):
    """A published contract (DECP) that an acheteur confirmed as the award of a purchase project.

    A project may be awarded through several contracts (one per lot); a contract answers one project only.
    """

    project = models.ForeignKey(
        PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="contract_links"
    )
    contract = models.ForeignKey(
        Contract, verbose_name="marché publié", on_delete=models.PROTECT, related_name="project_links"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="confirmé par",
        on_delete=models.RESTRICT,
        related_name="+",
        null=True,
        blank=True,
    )
    score = models.FloatField("score de correspondance", null=True, blank=True)

    class Meta:
        verbose_name = "marché rattaché à un projet"
        verbose_name_plural = "marchés rattachés aux projets"
        ordering = ["project", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract"], name="projectcontract_one_project_per_contract"),
        ]

    def __str__(self):
        return f"{self.project} → {self.contract}"


class ProjectTransitionLog(TransitionLogBase):
    project = models.ForeignKey(
        PurchaseProject, verbose_name="projet", on_delete=models.CASCADE, related_name="transition_logs"
    )

    class Meta(TransitionLogBase.Meta):
        verbose_name = "étape du circuit de validation"
        verbose_name_plural = "circuit de validation"

    @property
    def transition_label(self) -> str:
        if self.transition in Transition.values:
            return Transition(self.transition).label
        if self.transition in ContractLinkEvent.values:
            return ContractLinkEvent(self.transition).label
        return self.transition


class ProgrammeImport(TimeStampedModel):
    """An uploaded programme spreadsheet waiting for confirmation: nothing is imported before the user confirms."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.RESTRICT, related_name="+"
    )
    filename = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu")
    year = models.PositiveSmallIntegerField("année par défaut")
    confirmed_at = models.DateTimeField("importé le", null=True, blank=True)
    imported_count = models.PositiveIntegerField("lignes importées", default=0)

    class Meta:
        verbose_name = "import de programmation"
        verbose_name_plural = "imports de programmation"
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename
