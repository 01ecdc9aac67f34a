from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "spaser.imports"
    label = "imports"
    verbose_name = "Imports"
