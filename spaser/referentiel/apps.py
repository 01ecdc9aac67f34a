from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "spaser.referentiel"
    label = "referentiel"
    verbose_name = "Référentiels"
