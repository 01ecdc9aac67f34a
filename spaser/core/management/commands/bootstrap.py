from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Charge les référentiels, les données réelles d'exemple et (en mode démonstration) les comptes de "
        "démonstration. Peut être relancée sans risque : chaque étape est idempotente."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip", action="append", default=[], help="Application à ne pas charger (libellé)")

    def handle(self, *, skip, **options):
        steps = sorted(
            (
                app_config
                for app_config in apps.get_app_configs()
                if hasattr(app_config, "bootstrap") and app_config.label not in skip
            ),
            key=lambda app_config: getattr(app_config, "bootstrap_order", 100),
        )
        for app_config in steps:
            self.stdout.write(f"— {app_config.verbose_name}…")
            app_config.bootstrap(stdout=self.stdout, demo=settings.SPASER_DEMO_MODE)
        self.stdout.write(self.style.SUCCESS("Données chargées."))
