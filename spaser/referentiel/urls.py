from django.urls import path

from spaser.referentiel import views

app_name = "referentiel"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("spaser/", views.spaser_list_view, name="spaser_list"),
    path("spaser/<int:pk>/", views.spaser_detail_view, name="spaser_detail"),
    path("spaser/<int:pk>/modifier/", views.spaser_edit_view, name="spaser_edit"),
    path("spaser/<int:pk>/export.yaml", views.spaser_export_view, name="spaser_export"),
    path("spaser/<int:pk>/export.xlsx", views.spaser_xlsx_view, name="spaser_xlsx"),
    path("thematiques/<int:pk>/modifier/", views.theme_edit_view, name="theme_edit"),
    path("chantiers/<int:pk>/", views.chantier_detail_view, name="chantier_detail"),
    path("chantiers/<int:pk>/modifier/", views.chantier_edit_view, name="chantier_edit"),
    path("indicateurs/<int:pk>/modifier/", views.indicator_edit_view, name="indicator_edit"),
    path("criteres/", views.criteria_list_view, name="criteria"),
    path("criteres/export.xlsx", views.criteria_xlsx_view, name="criteria_xlsx"),
    path("criteres/<int:pk>/", views.criterion_detail_view, name="criterion_detail"),
    path("criteres/<int:pk>/modifier/", views.criterion_edit_view, name="criterion_edit"),
    path("familles/", views.families_view, name="families"),
    path("seuils/", views.thresholds_view, name="thresholds"),
    path("seuils/reglages/", views.settings_edit_view, name="settings_edit"),
    path("public/criteres/", views.public_criteria_view, name="public_criteria"),
    path("public/criteres/<str:code>/", views.public_criterion_detail_view, name="public_criterion_detail"),
]
