from django.urls import path

from spaser.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list_view, name="list"),
    path("export.csv", views.contract_export_view, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.contract_export_view, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/", views.contract_detail_view, name="detail"),
    path("qualite/", views.quality_view, name="quality"),
    path("qualite/export.csv", views.quality_export_view, name="quality_export"),
    path("qualite/<slug:code>/", views.quality_anomaly_view, name="quality_anomaly"),
]
