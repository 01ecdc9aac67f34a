from django.apps import AppConfig

from spaser.core.navigation import NavEntry


class SuppliersConfig(AppConfig):
    name = "spaser.suppliers"
    label = "suppliers"
    verbose_name = "Fournisseurs"

    @property
    def navigation(self):
        return [
            NavEntry(
                "Fournisseurs",
                "suppliers:list",
                description="Les titulaires des contrats, enrichis par le répertoire SIRENE.",
                order=41,
            )
        ]
