from django.apps import AppConfig

from spaser.core.navigation import NavEntry, PendingItem


class StrategiesConfig(AppConfig):
    name = "spaser.strategies"
    label = "strategies"
    verbose_name = "Projets d'achat responsable"
    bootstrap_order = 50

    @property
    def navigation(self):
        from spaser.accounts.enums import Role

        return [
            NavEntry(
                "Projets d'achat",
                "strategies:project_list",
                description="Les fiches « Mon projet d'achat responsable » : saisie, conformité, validation.",
                order=10,
            ),
            NavEntry(
                "Programmation",
                "strategies:programme_list",
                description="La programmation annuelle des achats, son import depuis un tableur et sa publication.",
                order=11,
            ),
            NavEntry(
                "Rapprochement fiches / marchés publiés",
                "strategies:reconciliation",
                description="Les écarts entre les fiches validées et les données publiées (DECP), "
                "et les marchés publiés sans fiche.",
                roles={Role.ADMIN, Role.BUYER, Role.PILOT},
                order=12,
            ),
            NavEntry(
                "Réglages de la fiche",
                "strategies:settings",
                description="Fourchette du critère environnemental et déclenchement de l'avis environnement.",
                roles={Role.ADMIN, Role.BUYER},
                order=800,
            ),
        ]

    def pending_for(self, request) -> list[PendingItem]:
        from django.urls import reverse

        from spaser.accounts.enums import Role
        from spaser.strategies import perms
        from spaser.strategies.enums import ProjectState
        from spaser.strategies.models import PurchaseProject

        projects = PurchaseProject.objects.of_organisation(request.organisation)
        url = reverse("strategies:project_list")
        items = []
        if Role.PRESCRIBER in request.roles or Role.BUYER in request.roles:
            scope = None if Role.BUYER in request.roles else perms.prescriber_directions(request)
            mine = projects.in_directions(scope)
            items.append(
                PendingItem(
                    "Fiches à reprendre",
                    mine.filter(state=ProjectState.CHANGES_REQUESTED).count(),
                    f"{url}?state={ProjectState.CHANGES_REQUESTED}",
                )
            )
            items.append(
                PendingItem(
                    "Brouillons à compléter", mine.filter(state=ProjectState.DRAFT).count(), f"{url}?state=draft"
                )
            )
        if Role.BUYER in request.roles:
            items.append(
                PendingItem(
                    "Fiches à valider",
                    projects.filter(state=ProjectState.SUBMITTED).count(),
                    f"{url}?state={ProjectState.SUBMITTED}",
                )
            )
        if Role.BUYER in request.roles:
            items.append(
                PendingItem(
                    "Attributions annulées : marché publié à rattacher",
                    projects.award_cancelled().count(),
                    f"{url}?award=cancelled",
                )
            )
            from spaser.strategies.selectors import reconciliation

            items.append(
                PendingItem(
                    "Écarts entre fiches et marchés publiés",
                    len(reconciliation(request.organisation, with_uncovered=False).disagreements),
                    reverse("strategies:reconciliation"),
                )
            )
        if Role.ENVIRONMENT in request.roles:
            items.append(
                PendingItem(
                    "Avis environnement à rendre",
                    projects.filter(state=ProjectState.ENVIRONMENT_REVIEW).count(),
                    f"{url}?state={ProjectState.ENVIRONMENT_REVIEW}",
                )
            )
        return items

    def bootstrap(self, *, stdout, demo):
        if not demo:
            return
        from spaser.strategies.demo import demo_projects_ensure

        created = demo_projects_ensure()
        stdout.write(
            f"  {created} projet(s) d'achat de démonstration créé(s)"
            if created
            else "  projets de démonstration déjà présents"
        )
