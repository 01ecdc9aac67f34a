from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from spaser.accounts.models import Organisation
from spaser.core.models import TimeStampedModel
from spaser.indicators.enums import ScopeKind
from spaser.referentiel.models import Indicator


class IndicatorValueQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)

    def organisation_wide(self):
        """Values of the whole organisation for calendar years (not of a scope nor of a multi-year period)."""
        return self.filter(scope_kind=ScopeKind.ORGANISATION, scope_value="", span=1)

    def of_scope(self, scope_kind=ScopeKind.ORGANISATION, scope_value="", *, span=1):
        return self.filter(scope_kind=scope_kind, scope_value=scope_value, span=span)


class IndicatorValue(models.Model):
    """A computed value of one registry indicator, for one scope and one calendar year, as last recomputed."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="indicator_values"
    )
    key = models.CharField("clé de calcul", max_length=100)
    scope_kind = models.CharField(
        "périmètre", max_length=20, choices=ScopeKind.choices, default=ScopeKind.ORGANISATION
    )
    scope_value = models.CharField("valeur du périmètre", max_length=50, blank=True)
    year = models.PositiveSmallIntegerField("année")
    # 1 for a calendar year; more for a SPASER period (its whole span or up to the interim review) that starts
    # in ``year``: such a value counts the records of every year of the period.
    span = models.PositiveSmallIntegerField("nombre d'années", default=1)
    value = models.DecimalField("valeur", max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField("numérateur", max_digits=20, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField("dénominateur", max_digits=20, decimal_places=2, null=True, blank=True)
    record_count = models.PositiveIntegerField("enregistrements utilisés", default=0)
    computed_at = models.DateTimeField("calculée le")

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = "valeur calculée"
        verbose_name_plural = "valeurs calculées"
        ordering = ["organisation", "key", "scope_kind", "scope_value", "span", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "scope_kind", "scope_value", "span", "year"],
                name="indicatorvalue_unique_per_period",
            ),
            models.CheckConstraint(condition=Q(span__gte=1, span__lte=20), name="indicatorvalue_span_range"),
            models.CheckConstraint(
                condition=Q(scope_kind="organisation", scope_value="")
                | (~Q(scope_kind="organisation") & ~Q(scope_value="")),
                name="indicatorvalue_scope_value_iff_scoped",
            ),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="indicatorvalue_year_range"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(record_count__gt=0), name="indicatorvalue_value_has_records"
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.period_label} = {self.value}"

    @property
    def last_year(self) -> int:
        return self.year + self.span - 1

    @property
    def period_label(self) -> str:
        return str(self.year) if self.span == 1 else f"{self.year}-{self.last_year}"


def proof_upload_to(instance, filename):
    return f"indicateurs/justificatifs/{instance.indicator_id}/{instance.year}/{filename}"


class ManualValueQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(indicator__spaser__organisation=organisation)


class ManualValue(TimeStampedModel):
    """A value entered by a chantier pilot for a manual indicator and a year, with its proof."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="indicateur", on_delete=models.CASCADE, related_name="manual_values"
    )
    year = models.PositiveSmallIntegerField("année")
    value = models.DecimalField("valeur", max_digits=16, decimal_places=4)
    comment = models.TextField("commentaire", blank=True)
    proof_file = models.FileField("justificatif (fichier)", upload_to=proof_upload_to, blank=True, max_length=255)
    proof_link = models.URLField("justificatif (lien)", blank=True, max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisie par",
        on_delete=models.RESTRICT,  # RESTRICT: traçabilité
        related_name="+",
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    objects = ManualValueQuerySet.as_manager()

    class Meta:
        verbose_name = "valeur saisie"
        verbose_name_plural = "valeurs saisies"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="manualvalue_one_per_indicator_year"),
            models.CheckConstraint(condition=~Q(proof_file="") | ~Q(proof_link=""), name="manualvalue_has_proof"),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.year} = {self.value}"
