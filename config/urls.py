from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "SPASER – administration technique"
admin.site.site_title = "SPASER"
admin.site.index_title = "Administration des données"

urlpatterns = [
    path("", include("spaser.core.urls")),
    path("compte/", include("spaser.accounts.urls")),
    path("territoire/", include("spaser.geo.urls")),
    path("referentiel/", include("spaser.referentiel.urls")),
    path("fournisseurs/", include("spaser.suppliers.urls")),
    path("contrats/", include("spaser.contracts.urls")),
    path("imports/", include("spaser.imports.urls")),
    path("acteurs/", include("spaser.actors.urls")),
    path("achats/", include("spaser.strategies.urls")),
    path("tableau-de-bord/", include("spaser.indicators.urls")),
    path("observatoire/", include("spaser.observatory.urls")),
    path("api/", include("spaser.observatory.api_urls")),
    path("admin/", admin.site.urls),
]
