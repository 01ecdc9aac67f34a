from django.conf import settings
from django.db import models
from django.db.models import Q

from spaser.core.models import TimeStampedModel
from spaser.imports.enums import ImportKind, ImportStatus


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user, organisation):
        """Imports run by the platform (command line, bootstrap) and those uploaded for ``organisation``."""
        if not user.is_authenticated or organisation is None:
            return self.none()
        return self.filter(Q(organisation__isnull=True) | Q(organisation=organisation))


class ImportRun(TimeStampedModel):
    """The journal of one import of one file: who, when, what came in and what was rejected."""

    kind = models.CharField("type", max_length=30, choices=ImportKind.choices, default=ImportKind.DECP)
    status = models.CharField("état", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    dry_run = models.BooleanField("simulation", default=False)
    file_name = models.CharField("fichier", max_length=255)
    file_size = models.BigIntegerField("taille (octets)", default=0)
    file_sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    file_format = models.CharField("format", max_length=40, blank=True)
    uploaded_file = models.FileField("fichier déposé", upload_to="imports/%Y/%m/", blank=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    read_count = models.PositiveIntegerField("lus", default=0)
    created_count = models.PositiveIntegerField("créés", default=0)
    updated_count = models.PositiveIntegerField("mis à jour", default=0)
    unchanged_count = models.PositiveIntegerField("inchangés", default=0)
    merged_count = models.PositiveIntegerField("fusionnés", default=0)
    rejected_count = models.PositiveIntegerField("rejetés", default=0)
    rejected_by_reason = models.JSONField("rejets par motif", default=dict, blank=True)
    anomalies_by_code = models.JSONField("anomalies signalées", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)
    warning = models.TextField(
        "avertissement", blank=True, help_text="Import terminé, mais dont le résultat doit être vérifié."
    )
    file_deleted_at = models.DateTimeField(
        "fichier supprimé le", null=True, blank=True, help_text="Durée de conservation écoulée ; le journal reste."
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="déposé pour",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "journal des imports"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.SUCCEEDED)
                | Q(
                    read_count=models.F("created_count")
                    + models.F("updated_count")
                    + models.F("unchanged_count")
                    + models.F("merged_count")
                    + models.F("rejected_count")
                ),
                name="importrun_counts_add_up",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def retention_is_short(self) -> bool:
        """Failed imports, simulations and files without any record keep their file for the short period."""
        return self.status == ImportStatus.FAILED or self.dry_run or bool(self.warning)

    @property
    def status_label(self) -> str:
        """The state as the journal shows it: a finished import with a warning is not a plain « Terminé »."""
        if self.status == ImportStatus.SUCCEEDED and self.warning:
            return "Terminé, avec un avertissement"
        return self.get_status_display()


class QuarantinedRecordQuerySet(models.QuerySet):
    def visible_to(self, user, organisation):
        return self.filter(run__in=ImportRun.objects.visible_to(user, organisation))


class QuarantinedRecord(models.Model):
    """A record that could not be imported, kept with its reasons to be corrected at the source."""

    run = models.ForeignKey(ImportRun, verbose_name="import", on_delete=models.CASCADE, related_name="quarantine")
    file_name = models.CharField("fichier", max_length=255)
    position = models.PositiveIntegerField("position dans le fichier")
    kind = models.CharField("liste", max_length=30)
    buyer_siret = models.CharField("SIRET de l'acheteur", max_length=32, blank=True)
    external_id = models.CharField("identifiant", max_length=64, blank=True)
    reasons = models.JSONField("motifs")
    raw = models.TextField("enregistrement d'origine")

    objects = QuarantinedRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "enregistrement en quarantaine"
        verbose_name_plural = "quarantaine"
        ordering = ["run", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "position"], name="quarantine_unique_position"),
        ]

    def __str__(self):
        return f"{self.file_name} n° {self.position}"
