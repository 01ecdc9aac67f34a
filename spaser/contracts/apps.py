from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "spaser.contracts"
    label = "contracts"
    verbose_name = "Contrats (DECP)"
