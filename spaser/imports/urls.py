from django.urls import path

from spaser.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.run_list_view, name="run_list"),
    path("deposer/", views.upload_view, name="upload"),
    path("quarantaine/", views.quarantine_view, name="quarantine"),
    path("quarantaine/export.csv", views.quarantine_export_view, name="quarantine_export"),
    path("<int:pk>/", views.run_detail_view, name="run_detail"),
    path("<int:pk>/progression/", views.run_progress_view, name="run_progress"),
]
