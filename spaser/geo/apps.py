from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "spaser.geo"
    label = "geo"
    verbose_name = "Géographie"
