from django.db import models
from django.db.models import Q

from spaser.core.models import TimeStampedModel


class Region(TimeStampedModel):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{2,3}$"), name="region_code_format")]

    def __str__(self):
        return self.name


class Departement(TimeStampedModel):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^([0-9]{2,3}|2A|2B)$"), name="departement_code_format")
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(TimeStampedModel):
    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=150)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    latitude = models.FloatField("latitude (WGS84)", null=True, blank=True)
    longitude = models.FloatField("longitude (WGS84)", null=True, blank=True)

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9][0-9AB][0-9]{3}$"), name="commune_code_format"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="commune_latitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class PostalCode(models.Model):
    """A postcode served by a commune (La Poste); one postcode may serve several communes."""

    code = models.CharField("code postal", max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, verbose_name="commune", on_delete=models.CASCADE, related_name="postcodes")

    class Meta:
        verbose_name = "code postal"
        verbose_name_plural = "codes postaux"
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="postalcode_unique_per_commune")]

    def __str__(self):
        return f"{self.code} – {self.commune.name}"
