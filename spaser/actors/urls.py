from django.urls import path

from spaser.actors import views

app_name = "actors"

urlpatterns = [
    path("", views.actor_search_view, name="search"),
    path("export.csv", views.actor_export_view, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.actor_export_view, {"fmt": "xlsx"}, name="export_xlsx"),
    path("carte.geojson", views.actor_geojson_view, name="geojson"),
    path("publication/", views.actor_publish_bulk_view, name="publish_bulk"),
    path("sources/", views.source_list_view, name="sources"),
    path("sources/<int:pk>/publication/", views.source_publish_view, name="source_publish"),
    path("fournisseurs-potentiels/", views.potential_suppliers_view, name="potential_suppliers"),
    path("<int:pk>/", views.actor_detail_view, name="detail"),
    path("<int:pk>/corriger/", views.actor_correct_view, name="correct"),
    path("<int:pk>/retirer-correction/", views.actor_correction_remove_view, name="correction_remove"),
    path("<int:pk>/publication/", views.actor_publish_view, name="publish"),
    path("imports/", views.import_list_view, name="import_list"),
    path("imports/nouveau/", views.import_create_view, name="import_create"),
    path("imports/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/progression/", views.import_progress_view, name="import_progress"),
    path("imports/<int:pk>/colonnes/", views.import_mapping_view, name="import_mapping"),
    path("imports/<int:pk>/confirmer/", views.import_confirm_view, name="import_confirm"),
    path("imports/<int:pk>/abandonner/", views.import_cancel_view, name="import_cancel"),
    path("carte-publique/", views.public_map_view, name="public_map"),
    path("carte-publique/carte.geojson", views.public_geojson_view, name="public_geojson"),
    path("carte-publique/<int:pk>/", views.public_detail_view, name="public_detail"),
]
