"""The observatory's own records: what is published, what companies ask the cell, the SPASER reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from spaser.accounts.models import Organisation
from spaser.core.models import TimeStampedModel
from spaser.core.validators import validate_siret
from spaser.referentiel.models import Indicator

SUBJECT_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 5000


class PublishedIndicatorQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class PublishedIndicator(TimeStampedModel):
    """The administrator's decision to show one indicator of the SPASER to the public.

    No row, or a row with is_public=False, means private: nothing is public by default.
    """

    indicator = models.OneToOneField(
        Indicator, verbose_name="indicateur", on_delete=models.CASCADE, related_name="publication"
    )
    is_public = models.BooleanField("publié sur l'observatoire", default=False)
    public_comment = models.TextField("commentaire public", blank=True)

    objects = PublishedIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "publication d'un indicateur"
        verbose_name_plural = "publication des indicateurs"
        ordering = ["indicator__position", "indicator__code"]

    def __str__(self):
        return f"{self.indicator} – {'public' if self.is_public else 'non publié'}"


class ContactStatus(models.TextChoices):
    NEW = "new", "Nouvelle"
    IN_PROGRESS = "in_progress", "En cours"
    ANSWERED = "answered", "Répondue"
    CLOSED = "closed", "Close"


class ContactTopic(models.TextChoices):
    PLAN = "plan", "Programmation des achats à venir"
    RESPONSE = "response", "Répondre à une consultation"
    CLAUSES = "clauses", "Clauses sociales et environnementales"
    PAYMENT = "payment", "Paiement, avances, délais"
    OTHER = "other", "Autre question"


class ContactRequestQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)

    def open(self):
        return self.filter(status__in=[ContactStatus.NEW, ContactStatus.IN_PROGRESS])


class ContactRequest(TimeStampedModel):
    """A question sent by a company to the TPE/PME support cell through the public form."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="contact_requests"
    )
    company = models.CharField("entreprise", max_length=255)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    contact_name = models.CharField("nom du contact", max_length=150)
    email = models.EmailField("adresse électronique")
    topic = models.CharField("thème", max_length=20, choices=ContactTopic.choices, default=ContactTopic.OTHER)
    subject = models.CharField("objet", max_length=SUBJECT_MAX_LENGTH)
    message = models.TextField("message", max_length=MESSAGE_MAX_LENGTH)
    consent = models.BooleanField("consentement au traitement")
    status = models.CharField("statut", max_length=20, choices=ContactStatus.choices, default=ContactStatus.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="suivie par",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    internal_note = models.TextField("note interne", blank=True)

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande à la cellule TPE/PME"
        verbose_name_plural = "demandes à la cellule TPE/PME"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(consent=True), name="contactrequest_consent_given"),
            models.CheckConstraint(condition=Q(status__in=ContactStatus.values), name="contactrequest_status_valid"),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"), name="contactrequest_siret_format"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.company} – {self.subject}"


class ReportKind(models.TextChoices):
    ANNUAL = "annual", "Bilan annuel"
    INTERIM = "interim", "Bilan à mi-parcours"
    FINAL = "final", "Bilan final"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    DONE = "done", "Généré"
    FAILED = "failed", "Échec"


def report_path(instance, filename):
    return f"observatory/reports/{instance.organisation_id}/{filename}"


class SpaserReport(TimeStampedModel):
    """A generated SPASER report (PDF + XLSX annex), kept with its date and the inputs it was built from."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="spaser_reports"
    )
    kind = models.CharField("type", max_length=10, choices=ReportKind.choices, default=ReportKind.ANNUAL)
    year = models.PositiveSmallIntegerField("année")
    introduction = models.TextField("introduction", blank=True)
    conclusion = models.TextField("conclusion", blank=True)
    status = models.CharField("statut", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    generated_at = models.DateTimeField("généré le", null=True, blank=True)
    inputs = models.JSONField("données d'entrée", default=dict, blank=True)
    pdf = models.FileField("PDF", upload_to=report_path, blank=True)
    annex = models.FileField("annexe XLSX", upload_to=report_path, blank=True)
    error = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "rapport SPASER"
        verbose_name_plural = "rapports SPASER"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="spaserreport_year_range"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year}"
