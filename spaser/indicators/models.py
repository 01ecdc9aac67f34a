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
        return self.filter(scope_kind=ScopeKind.ORGANISATION, scope_value="")


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
    value = models.DecimalField("valeur", max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField("numérateur", max_digits=20, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField("dénominateur", max_digits=20, decimal_places=2, null=True, blank=True)
    record_count = models.PositiveIntegerField("enregistrements utilisés", default=0)
    computed_at = models.DateTimeField("calculée le")

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = "valeur calculée"
        verbose_name_plural = "valeurs calculées"
        ordering = ["organisation", "key", "scope_kind", "scope_value", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "scope_kind", "scope_value", "year"], name="indicatorvalue_unique"
            ),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="indicatorvalue_year_range"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(record_count__gt=0), name="indicatorvalue_value_has_records"
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.year} = {self.value}"


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
