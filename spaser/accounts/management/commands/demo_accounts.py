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
        existing = set(User.objects.filter(email__endswith="@demo.spaser.fr").values_list("email", flat=True))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {settings.SPASER_DEMO_PASSWORD})")
        for role, local_part, *_ in DEMO_USERS:
            email = demo_email(local_part)
            if email in existing:
                self.stdout.write(f"  {role.label:<45} {email}")
