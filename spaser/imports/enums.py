from django.db import models


class ImportKind(models.TextChoices):
    DECP = "decp", "Données essentielles (DECP)"
    SIRENE_UNITS = "sirene_units", "SIRENE – unités légales"
    SIRENE_ESTABLISHMENTS = "sirene_establishments", "SIRENE – établissements"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    SUCCEEDED = "succeeded", "Terminé"
    FAILED = "failed", "Échec (rien n'a été importé)"
