from django.apps import AppConfig

from spaser.core.navigation import NavEntry, PendingItem


class ObservatoryConfig(AppConfig):
    name = "spaser.observatory"
    label = "observatory"
    verbose_name = "Observatoire public"
    bootstrap_order = 80

    def ready(self):
        from spaser.observatory import signals

        signals.connect()

    @property
    def navigation(self):
        from spaser.accounts.enums import Role
        from spaser.observatory.perms import CELL_ROLES

        return [
            NavEntry(
                "Observatoire",
                "observatory:home",
                description="Les résultats publiés du SPASER, les acheteurs du territoire et les données ouvertes.",
                public=True,
                order=850,
            ),
            NavEntry(
                "Publication",
                "observatory:publication",
                description="Décider, indicateur par indicateur, ce que l'observatoire publie.",
                roles={Role.ADMIN},
                order=870,
            ),
            NavEntry(
                "Rapports SPASER",
                "observatory:reports",
                description="Générer le bilan annuel, à mi-parcours ou final (PDF et annexe XLSX).",
                roles={Role.ADMIN, Role.PILOT},
                order=880,
            ),
            NavEntry(
                "Cellule TPE/PME",
                "observatory:inbox",
                description="Les demandes des entreprises adressées à la cellule d'accompagnement.",
                roles=CELL_ROLES,
                order=860,
            ),
        ]

    def pending_for(self, request):
        from spaser.observatory.models import ContactRequest, ContactStatus
        from spaser.observatory.perms import can_handle_contacts

        if not can_handle_contacts(request):
            return []
        count = ContactRequest.objects.of_organisation(request.organisation).filter(status=ContactStatus.NEW).count()
        from django.urls import reverse

        return [PendingItem("Nouvelles demandes à la cellule TPE/PME", count, reverse("observatory:inbox"))]

    def bootstrap(self, *, stdout, demo):
        """Demonstration only: publish the home SPASER's indicators that have targets, so the observatory shows
        something. Outside demo mode nothing is published: an administrator decides, indicator by indicator."""
        if not demo:
            stdout.write("  rien n'est publié par défaut (décision de l'administrateur)")
            return
        from spaser.observatory.services import demo_publication_ensure

        stdout.write(f"  {demo_publication_ensure()} indicateurs publiés pour la démonstration")
