import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from spaser.actors import services, sirene


class Command(BaseCommand):
    help = (
        "Importe les entreprises de l'ESS du répertoire SIRENE (StockUniteLegale, et StockEtablissement pour "
        "l'adresse du siège). Sans --wet-run : simulation, rien n'est écrit."
    )

    def add_arguments(self, parser):
        parser.add_argument("unites", type=Path, help="StockUniteLegale_utf8.csv (ou .csv.gz)")
        parser.add_argument("--etablissements", type=Path, help="StockEtablissement_utf8.csv (ou .csv.gz)")
        parser.add_argument("--departements", nargs="*", default=[], help="Codes des départements à garder")
        parser.add_argument("--date", type=dt.date.fromisoformat, required=True, help="Date du stock (AAAA-MM-JJ)")
        parser.add_argument("--wet-run", action="store_true", help="Sans ce drapeau : simulation, rien n'est écrit")

    def handle(self, *, unites, etablissements, departements, date, wet_run, **options):
        rows = list(sirene.read_sirene(unites, etablissements, departements=departements))
        if not wet_run:
            self.stdout.write(f"Simulation : {len(rows)} entreprises de l'ESS seraient importées ou fusionnées.")
            return
        created = 0
        with transaction.atomic():
            source = services.source_ensure(**sirene.sirene_source(date))
            index = services.ActorIndex()
            for external_id, values, raw in rows:
                _, is_new = services.record_apply(
                    source=source, external_id=external_id, values=values, raw=raw, index=index
                )
                created += is_new
        self.stdout.write(f"{len(rows)} entreprises de l'ESS lues, {created} nouveaux acteurs.")
