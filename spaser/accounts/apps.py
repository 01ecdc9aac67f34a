from django.apps import AppConfig

from spaser.core.navigation import NavEntry


class AccountsConfig(AppConfig):
    name = "spaser.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"
    bootstrap_order = 0

    @property
    def navigation(self):
        from spaser.accounts.enums import Role

        return [
            NavEntry(
                "Organisation",
                "accounts:organisation",
                description="Gérer l'organisation, ses directions, ses membres et leurs rôles.",
                roles={Role.ADMIN},
                order=900,
            ),
        ]

    def bootstrap(self, *, stdout, demo):
        from spaser.accounts import demo as demo_data

        organisation = demo_data.home_organisation_ensure()
        stdout.write(f"  organisation d'accueil : {organisation.name} ({organisation.siret})")
        if demo:
            users = demo_data.demo_data_create()
            stdout.write(f"  {len(users)} comptes de démonstration prêts")
