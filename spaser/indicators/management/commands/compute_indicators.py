from django.core.management.base import BaseCommand, CommandError

from spaser.accounts.models import Organisation
from spaser.indicators import registry
from spaser.indicators.services import indicator_values_compute, organisations_to_compute, years_to_compute


class Command(BaseCommand):
    help = "Recalcule et enregistre les indicateurs calculés (toutes les organisations, ou une seule)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="SIRET de l'organisation (par défaut : toutes)")
        parser.add_argument("--year", type=int, action="append", help="Année (répétable ; par défaut : toutes)")
        parser.add_argument("--key", action="append", help="Clé de calcul (répétable ; par défaut : toutes)")

    def handle(self, *, organisation, year, key, **options):
        if key:
            unknown = sorted(set(key) - set(registry.REGISTRY))
            if unknown:
                raise CommandError(f"Clé(s) de calcul inconnue(s) : {', '.join(unknown)}")
        if organisation:
            organisations = Organisation.objects.filter(siret=organisation)
            if not organisations.exists():
                raise CommandError(f"Aucune organisation de SIRET {organisation}.")
        else:
            organisations = organisations_to_compute()
        total = 0
        for current in organisations:
            years = year or years_to_compute(current)
            stored = indicator_values_compute(organisation=current, years=years, keys=key)
            total += stored
            self.stdout.write(f"{current} : {stored} valeurs ({min(years)}-{max(years)})")
        self.stdout.write(self.style.SUCCESS(f"{total} valeurs enregistrées."))
