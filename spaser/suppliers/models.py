from django.db import models
from django.db.models import Q

from spaser.contracts.enums import IdentifierType
from spaser.core.models import TimeStampedModel
from spaser.suppliers.enums import HEADCOUNT_BANDS, CompanyCategory


class SupplierQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Suppliers are public information (SIRENE, DECP): every signed-in member may see them.
        return self if user.is_authenticated else self.none()


class Supplier(TimeStampedModel):
    """A company holding contracts: one per SIREN; a foreign holder by its identifier type and value."""

    key = models.CharField("clé", max_length=48, unique=True, help_text="SIREN, ou type:identifiant")
    siren = models.CharField("SIREN", max_length=9, null=True, blank=True, unique=True)
    identifier_type = models.CharField("type d'identifiant", max_length=10, choices=IdentifierType.choices)
    identifier = models.CharField("identifiant publié", max_length=32)
    name = models.CharField("dénomination", max_length=255, blank=True)
    legal_form = models.CharField("catégorie juridique (INSEE)", max_length=4, blank=True)
    is_ess = models.BooleanField("économie sociale et solidaire", null=True, blank=True)
    category = models.CharField("catégorie d'entreprise", max_length=3, choices=CompanyCategory.choices, blank=True)
    category_year = models.PositiveSmallIntegerField("année de la catégorie", null=True, blank=True)
    headcount_band = models.CharField(
        "tranche d'effectif", max_length=2, blank=True, choices=sorted(HEADCOUNT_BANDS.items())
    )
    naf_code = models.CharField("activité principale (NAF)", max_length=6, blank=True)
    is_active = models.BooleanField("en activité", null=True, blank=True)
    sirene_updated_at = models.DateTimeField("enrichi par SIRENE le", null=True, blank=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = "fournisseur"
        verbose_name_plural = "fournisseurs"
        ordering = ["name", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siren__isnull=True) | Q(siren__regex=r"^[0-9]{9}$"), name="supplier_siren_format"
            ),
            models.CheckConstraint(
                condition=Q(siren__isnull=True) | Q(key=models.F("siren")), name="supplier_key_is_siren"
            ),
        ]

    def __str__(self):
        return self.name or f"{self.get_identifier_type_display()} {self.identifier}"

    @property
    def is_french(self) -> bool:
        return self.siren is not None


class Establishment(TimeStampedModel):
    supplier = models.ForeignKey(
        Supplier, verbose_name="fournisseur", on_delete=models.CASCADE, related_name="establishments"
    )
    siret = models.CharField("SIRET", max_length=14, unique=True)
    name = models.CharField("enseigne", max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", verbose_name="commune", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    postcode = models.CharField("code postal", max_length=5, blank=True)
    headcount_band = models.CharField(
        "tranche d'effectif", max_length=2, blank=True, choices=sorted(HEADCOUNT_BANDS.items())
    )
    is_head_office = models.BooleanField("siège", null=True, blank=True)
    is_active = models.BooleanField("ouvert", null=True, blank=True)
    latitude = models.FloatField("latitude (centroïde de la commune)", null=True, blank=True)
    longitude = models.FloatField("longitude (centroïde de la commune)", null=True, blank=True)

    class Meta:
        verbose_name = "établissement"
        verbose_name_plural = "établissements"
        ordering = ["siret"]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="establishment_siret_format"),
        ]

    def __str__(self):
        return self.siret
