from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from spaser.accounts.models import Organisation
from spaser.core.models import TimeStampedModel
from spaser.referentiel.enums import (
    Ambition,
    AmountOperator,
    BuyerKind,
    ChantierStatus,
    Dimension,
    DirectionRole,
    ImprovementDirection,
    IndicatorMode,
    ItemKind,
    LegalStatus,
    Nature,
    Obligation,
    SpaserStatus,
)

# --- The SPASER tree ---------------------------------------------------------------------------------


class SpaserQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)


class Spaser(TimeStampedModel):
    """A buyer's schéma (SPASER): its axes, thématiques, chantiers and indicators hang below."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="spasers"
    )
    code = models.CharField("code", max_length=50)
    title = models.CharField("titre", max_length=255)
    period_start = models.PositiveSmallIntegerField("première année")
    period_end = models.PositiveSmallIntegerField("dernière année")
    version = models.CharField("version", max_length=50)
    status = models.CharField("statut", max_length=20, choices=SpaserStatus.choices, default=SpaserStatus.DRAFT)
    description = models.TextField("présentation", blank=True)
    history = HistoricalRecords()

    objects = SpaserQuerySet.as_manager()

    class Meta:
        verbose_name = "SPASER"
        verbose_name_plural = "SPASER"
        ordering = ["organisation", "-period_start", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="spaser_code_unique_per_organisation"),
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")), name="spaser_period_ordered"),
        ]

    def __str__(self):
        return f"{self.title} ({self.period_start}-{self.period_end})"


class Axis(TimeStampedModel):
    spaser = models.ForeignKey(Spaser, verbose_name="SPASER", on_delete=models.CASCADE, related_name="axes")
    code = models.CharField("code", max_length=20)
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "axe"
        verbose_name_plural = "axes"
        ordering = ["spaser", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["spaser", "code"], name="axis_code_unique_per_spaser")]

    def __str__(self):
        return f"{self.code}. {self.title}"


class Theme(TimeStampedModel):
    """A thématique; without an axis it is a cross-cutting part of the schéma."""

    spaser = models.ForeignKey(Spaser, verbose_name="SPASER", on_delete=models.CASCADE, related_name="themes")
    axis = models.ForeignKey(
        Axis,
        verbose_name="axe",
        on_delete=models.SET_NULL,
        related_name="themes",
        null=True,
        blank=True,
        help_text="Laisser vide pour une thématique transversale.",
    )
    code = models.CharField("code", max_length=20)
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "thématique"
        verbose_name_plural = "thématiques"
        ordering = ["spaser", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["spaser", "code"], name="theme_code_unique_per_spaser")]

    def __str__(self):
        return f"{self.code}. {self.title}"


class ChantierQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(spaser__organisation=organisation)


class Chantier(TimeStampedModel):
    spaser = models.ForeignKey(Spaser, verbose_name="SPASER", on_delete=models.CASCADE, related_name="chantiers")
    # RESTRICT: a thématique holding chantiers cannot be deleted alone, but deleting the SPASER removes both.
    theme = models.ForeignKey(Theme, verbose_name="thématique", on_delete=models.RESTRICT, related_name="chantiers")
    code = models.CharField("code", max_length=20)
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    pilot = models.CharField("pilote", max_length=255, blank=True)
    status = models.CharField("état", max_length=20, choices=ChantierStatus.choices, default=ChantierStatus.PLANNED)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    objects = ChantierQuerySet.as_manager()

    class Meta:
        verbose_name = "chantier"
        verbose_name_plural = "chantiers"
        ordering = ["spaser", "theme__position", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["spaser", "code"], name="chantier_code_unique_per_spaser")]

    def __str__(self):
        return f"{self.code} – {self.title}"


class ChantierDirection(TimeStampedModel):
    chantier = models.ForeignKey(
        Chantier, verbose_name="chantier", on_delete=models.CASCADE, related_name="directions"
    )
    name = models.CharField("direction", max_length=255)
    role = models.CharField("rôle", max_length=10, choices=DirectionRole.choices)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "direction associée"
        verbose_name_plural = "directions associées"
        ordering = ["chantier", "position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class Milestone(TimeStampedModel):
    chantier = models.ForeignKey(
        Chantier, verbose_name="chantier", on_delete=models.CASCADE, related_name="milestones"
    )
    label = models.CharField("jalon", max_length=255)
    due_date = models.DateField("échéance")
    done = models.BooleanField("atteint", default=False)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "jalon"
        verbose_name_plural = "jalons"
        ordering = ["chantier", "position", "due_date"]

    def __str__(self):
        return f"{self.label} ({self.due_date:%d/%m/%Y})"


class IndicatorQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(spaser__organisation=organisation)


class Indicator(TimeStampedModel):
    spaser = models.ForeignKey(Spaser, verbose_name="SPASER", on_delete=models.CASCADE, related_name="indicators")
    chantier = models.ForeignKey(
        Chantier, verbose_name="chantier", on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField("code", max_length=30)
    label = models.CharField("libellé", max_length=255)
    definition = models.TextField("définition", blank=True)
    unit = models.CharField("unité", max_length=30)
    direction = models.CharField(
        "sens d'amélioration",
        max_length=10,
        choices=ImprovementDirection.choices,
        default=ImprovementDirection.INCREASE,
    )
    scope = models.CharField("périmètre", max_length=255, blank=True)
    mode = models.CharField(
        "mode de mesure", max_length=10, choices=IndicatorMode.choices, default=IndicatorMode.MANUAL
    )
    computation_key = models.CharField(
        "clé de calcul",
        max_length=100,
        blank=True,
        help_text="Pour un indicateur calculé : la clé du calcul implémenté par l'application des indicateurs.",
    )
    baseline_value = models.DecimalField("valeur de référence", max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField("année de référence", null=True, blank=True)
    proof = models.CharField("justificatif attendu", max_length=255, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["chantier", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["spaser", "code"], name="indicator_code_unique_per_spaser"),
            models.CheckConstraint(
                condition=~Q(mode=IndicatorMode.COMPUTED) | ~Q(computation_key=""),
                name="indicator_computed_has_key",
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True, baseline_year__isnull=True)
                | Q(baseline_value__isnull=False, baseline_year__isnull=False),
                name="indicator_baseline_value_and_year",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.label}"


class Target(TimeStampedModel):
    indicator = models.ForeignKey(
        Indicator, verbose_name="indicateur", on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField("année")
    value = models.DecimalField("valeur cible", max_digits=16, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cible"
        verbose_name_plural = "cibles"
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="target_one_per_indicator_year")]

    def __str__(self):
        return f"{self.value} en {self.year}"


# --- Purchase families ---------------------------------------------------------------------------------


class Family(TimeStampedModel):
    """A purchase family (famille d'achat); CPV codes resolve to one through CpvRule prefixes."""

    code = models.CharField("code", max_length=50, unique=True)
    label = models.CharField("libellé", max_length=255)
    nature = models.CharField("nature", max_length=10, choices=Nature.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="famille parente",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "famille d'achat"
        verbose_name_plural = "familles d'achat"
        ordering = ["position", "code"]

    def __str__(self):
        return self.label


class CpvRule(TimeStampedModel):
    prefix = models.CharField("préfixe CPV", max_length=8, unique=True)
    family = models.ForeignKey(Family, verbose_name="famille", on_delete=models.CASCADE, related_name="cpv_rules")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "règle de rattachement CPV"
        verbose_name_plural = "règles de rattachement CPV"
        ordering = ["prefix"]
        constraints = [
            models.CheckConstraint(condition=Q(prefix__regex=r"^[0-9]{2,8}$"), name="cpvrule_prefix_digits")
        ]

    def __str__(self):
        return f"{self.prefix}… → {self.family.code}"


# --- Criteria and clauses ------------------------------------------------------------------------------


class CriterionQuerySet(models.QuerySet):
    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        query = Q()
        for word in text.split():
            query &= (
                Q(title__icontains=word)
                | Q(wording__icontains=word)
                | Q(code__icontains=word)
                | Q(legal_basis__icontains=word)
                | Q(caveat__icontains=word)
            )
        return self.filter(query)

    def for_family(self, family):
        """Items attached to the family or to one of its ancestors (a root item applies to its descendants)."""
        codes, current = [], family
        while current is not None:
            codes.append(current.pk)
            current = current.parent
        return self.filter(families__in=codes).distinct()


class Criterion(TimeStampedModel):
    """An item of the criteria and clauses référentiel: criterion, clause, specification, reservation or variant."""

    code = models.CharField("code", max_length=50, unique=True)
    title = models.CharField("intitulé", max_length=255)
    kind = models.CharField("type", max_length=30, choices=ItemKind.choices)
    dimension = models.CharField("dimension", max_length=20, choices=Dimension.choices)
    obligation = models.CharField("caractère", max_length=10, choices=Obligation.choices)
    legal_basis = models.TextField("fondement", blank=True)
    legal_status = models.CharField(
        "vérification du fondement", max_length=10, choices=LegalStatus.choices, default=LegalStatus.UNVERIFIED
    )
    caveat = models.TextField("réserves et points à vérifier", blank=True)
    families = models.ManyToManyField(Family, verbose_name="familles d'achat", related_name="criteria")
    weighting_min = models.PositiveSmallIntegerField("pondération minimale (%)", null=True, blank=True)
    weighting_max = models.PositiveSmallIntegerField("pondération maximale (%)", null=True, blank=True)
    wording = models.TextField("rédaction type")
    verification = models.TextField("vérification par l'acheteur", blank=True)
    proof = models.TextField("justificatifs du titulaire", blank=True)
    chantier_code = models.CharField(
        "chantier servi", max_length=20, blank=True, help_text="Code du chantier du SPASER que l'élément sert."
    )
    ambition = models.CharField("niveau d'ambition", max_length=10, choices=Ambition.choices, default=Ambition.BASE)
    position = models.PositiveIntegerField("ordre", default=0)
    # The families an item applies to are part of its history too.
    history = HistoricalRecords(m2m_fields=[families])

    objects = CriterionQuerySet.as_manager()

    class Meta:
        verbose_name = "critère ou clause"
        verbose_name_plural = "critères et clauses"
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weighting_min__isnull=True)
                | Q(weighting_max__isnull=True)
                | Q(weighting_min__lte=F("weighting_max")),
                name="criterion_weighting_ordered",
            ),
            models.CheckConstraint(
                condition=Q(weighting_max__isnull=True) | Q(weighting_max__lte=100), name="criterion_weighting_max_100"
            ),
            models.CheckConstraint(
                condition=~Q(obligation=Obligation.LEGAL) | ~Q(legal_basis=""), name="criterion_legal_has_basis"
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.title}"

    @property
    def weighting_label(self) -> str:
        if self.weighting_min is None and self.weighting_max is None:
            return ""
        if self.weighting_min == self.weighting_max:
            return f"{self.weighting_min} %"
        return f"{self.weighting_min} à {self.weighting_max} %"


# --- Thresholds, dates and obligations ------------------------------------------------------------------


class Threshold(TimeStampedModel):
    """An amount (HT) valid for a period, for some buyer kinds and natures (e.g. the EU threshold in 2026-2027)."""

    code = models.CharField("code", max_length=50)
    label = models.CharField("libellé", max_length=255)
    buyer_kinds = models.JSONField("catégories d'acheteurs", default=list)
    natures = models.JSONField("natures", default=list)
    amount = models.DecimalField("montant HT (€)", max_digits=14, decimal_places=2)
    valid_from = models.DateField("applicable aux consultations lancées à partir du")
    valid_to = models.DateField("jusqu'au (inclus)", null=True, blank=True)
    legal_basis = models.TextField("fondement")
    status = models.CharField("vérification", max_length=10, choices=LegalStatus.choices)
    note = models.TextField("remarque", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "seuil"
        verbose_name_plural = "seuils"
        ordering = ["position", "code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="threshold_period_ordered"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="threshold_amount_positive"),
        ]

    def __str__(self):
        return f"{self.label} : {self.amount} € HT depuis le {self.valid_from:%d/%m/%Y}"


class LegalObligation(TimeStampedModel):
    """An obligation triggered by a launch date and, optionally, by an amount compared with a threshold code."""

    code = models.CharField("code", max_length=50, unique=True)
    label = models.CharField("libellé", max_length=255)
    natures = models.JSONField("natures", default=list)
    effective_from = models.DateField("consultations lancées à partir du", null=True, blank=True)
    amount_operator = models.CharField(
        "condition de montant", max_length=5, choices=AmountOperator.choices, blank=True
    )
    amount_threshold = models.CharField("seuil de référence (code)", max_length=50, blank=True)
    legal_basis = models.TextField("fondement")
    status = models.CharField("vérification", max_length=10, choices=LegalStatus.choices)
    note = models.TextField("remarque", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "obligation"
        verbose_name_plural = "obligations"
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_operator="", amount_threshold="")
                | (~Q(amount_operator="") & ~Q(amount_threshold="")),
                name="obligation_amount_condition_complete",
            )
        ]

    def __str__(self):
        return self.label


class BuyerSettings(TimeStampedModel):
    """Per-organisation settings of the référentiel: buyer kind for the thresholds, form threshold."""

    organisation = models.OneToOneField(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="referentiel_settings"
    )
    buyer_kind = models.CharField(
        "catégorie d'acheteur", max_length=20, choices=BuyerKind.choices, default=BuyerKind.SUB_CENTRAL
    )
    strategy_form_threshold = models.DecimalField(
        "seuil de la fiche « Mon projet d'achat responsable » (€ HT)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide : la valeur par défaut du référentiel des seuils (40 000 € HT).",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réglages du référentiel"
        verbose_name_plural = "réglages du référentiel"

    def __str__(self):
        return f"Réglages de {self.organisation}"
