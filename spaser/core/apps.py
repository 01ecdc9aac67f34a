from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "spaser.core"
    label = "core"
    verbose_name = "Socle"
