from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "spaser.actors"
    label = "actors"
    verbose_name = "Acteurs responsables (ESS, insertion, économie circulaire, alimentation locale)"
    bootstrap_order = 60

    def bootstrap(self, *, stdout, demo):
        from spaser.actors.loaders import builtin_load

        for name, (rows, created) in builtin_load(demo=demo).items():
            stdout.write(f"  {name} : {rows} lignes, {created} nouveaux acteurs")
