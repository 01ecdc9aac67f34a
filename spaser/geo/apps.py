from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "spaser.geo"
    label = "geo"
    verbose_name = "Géographie"
    bootstrap_order = 10

    def bootstrap(self, *, stdout, demo):
        from spaser.geo.services import geo_load_reference

        stats = geo_load_reference()
        stdout.write(
            f"  {stats.regions} régions, {stats.departements} départements, {stats.communes} communes, "
            f"{stats.postcodes} codes postaux"
        )
