from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spaser.accounts.demo import demo_data_create


class Command(BaseCommand):
    help = (
        "Crée l'organisation d'accueil, ses directions et un compte de démonstration par rôle "
        "(uniquement en mode démonstration, SPASER_DEMO_MODE=True). Peut être relancée sans risque."
    )

    def handle(self, **options):
        if not settings.SPASER_DEMO_MODE:
            raise CommandError("Mode démonstration désactivé (SPASER_DEMO_MODE) : aucun compte créé.")
        users = demo_data_create()
        self.stdout.write(self.style.SUCCESS(f"{len(users)} comptes de démonstration prêts."))
