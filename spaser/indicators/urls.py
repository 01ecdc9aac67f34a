from django.urls import path

from spaser.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("ma-direction/", views.direction_view, name="direction"),
    path("chantiers/<int:pk>/", views.chantier_view, name="chantier"),
    path("indicateurs/<int:pk>/", views.indicator_view, name="indicator"),
    path("indicateurs/<int:pk>/graphique.json", views.indicator_chart_view, name="indicator_chart"),
    path("indicateurs/<int:pk>/detail/<int:year>/", views.drilldown_view, name="drilldown"),
    path("indicateurs/<int:pk>/saisie/", views.manual_value_view, name="manual_value"),
    path("valeurs/<int:pk>/justificatif/", views.manual_proof_view, name="manual_proof"),
    path("a-renseigner/", views.manual_missing_view, name="manual_missing"),
]
