from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "spaser.actors"
    label = "actors"
    verbose_name = "Acteurs responsables (ESS, insertion, économie circulaire, alimentation locale)"
    bootstrap_order = 60

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from spaser.actors.selectors import commune_grid_reset

        # The in-memory grid of commune centroids (intervention-area search) is rebuilt after any change made
        # in this process; other processes rebuild theirs within the hour (COMMUNE_GRID_SECONDS).
        post_save.connect(commune_grid_reset, sender="geo.Commune", dispatch_uid="actors-commune-grid-save")
        post_delete.connect(commune_grid_reset, sender="geo.Commune", dispatch_uid="actors-commune-grid-delete")

    def bootstrap(self, *, stdout, demo):
        from spaser.actors.loaders import builtin_load

        for name, (rows, created) in builtin_load(demo=demo).items():
            stdout.write(f"  {name} : {rows} lignes, {created} nouveaux acteurs")

    @property
    def navigation(self):
        from spaser.actors.perms import can_import_actors
        from spaser.core.navigation import NavEntry

        return [
            NavEntry(
                "Acteurs responsables",
                "actors:search",
                description="Carte et liste des acteurs de l'ESS, de l'insertion, du handicap, de l'économie "
                "circulaire et de l'alimentation locale, par nature et par lieu.",
                order=45,
            ),
            NavEntry(
                "Imports d'acteurs",
                "actors:import_list",
                description="Importer la liste d'un partenaire (CRESS, URSCOP…) avec aperçu avant import.",
                check=can_import_actors,  # platform administrators only: an import writes the shared directory
                order=46,
            ),
            NavEntry(
                "Carte publique des acteurs",
                "actors:public_map",
                description="Les acteurs publiés, pour les entreprises et les partenaires.",
                public=True,
                order=95,
            ),
        ]
