from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "spaser.actors"
    label = "actors"
    verbose_name = "Acteurs responsables (ESS, insertion, économie circulaire, alimentation locale)"
    bootstrap_order = 60
