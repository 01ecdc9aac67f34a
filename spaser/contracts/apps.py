from django.apps import AppConfig

from spaser.core.navigation import NavEntry


class ContractsConfig(AppConfig):
    name = "spaser.contracts"
    label = "contracts"
    verbose_name = "Contrats (DECP)"

    @property
    def navigation(self):
        return [
            NavEntry(
                "Contrats",
                "contracts:list",
                description="Les marchés et concessions publiés (DECP) : filtres, recherche, export.",
                order=40,
            )
        ]
