from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    name = "spaser.strategies"
    label = "strategies"
    verbose_name = "Projets d'achat responsable"
    bootstrap_order = 50
