from django.conf import settings
from django.core.management.base import BaseCommand

from spaser.accounts.demo import DEMO_USERS, demo_email
from spaser.accounts.models import User


class Command(BaseCommand):
    help = "Affiche les comptes de démonstration (mode démonstration seulement)."

    def handle(self, **options):
        if not settings.SPASER_DEMO_MODE:
            self.stdout.write("Mode démonstration désactivé : aucun compte de démonstration.")
            return
        accounts = User.objects.filter(email__endswith="@demo.spaser.fr")
        existing = set(accounts.values_list("email", flat=True))
        platform_admins = set(accounts.filter(is_superuser=True).values_list("email", flat=True))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {settings.SPASER_DEMO_PASSWORD})")
        for role, local_part, *_ in DEMO_USERS:
            email = demo_email(local_part)
            if email in existing:
                note = (
                    " (et administrateur de la plateforme : référentiels communs)" if email in platform_admins else ""
                )
                self.stdout.write(f"  {role.label:<45} {email}{note}")
