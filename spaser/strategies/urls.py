from django.urls import path

from spaser.strategies import views

app_name = "strategies"

urlpatterns = [
    path("", views.project_list_view, name="project_list"),
    path("export.xlsx", views.project_export_view, name="project_export"),
    path("nouveau/", views.project_create_view, name="project_create"),
    path("<int:pk>/", views.project_detail_view, name="project_detail"),
    path("<int:pk>/modifier/", views.project_edit_view, name="project_edit"),
    path("<int:pk>/verifier/", views.project_checklist_view, name="project_checklist"),
    path("<int:pk>/referentiel/<int:criterion_pk>/ajouter/", views.project_add_item_view, name="project_add_item"),
    path("<int:pk>/etape/<str:transition>/", views.project_transition_view, name="project_transition"),
    path("<int:pk>/pieces/ajouter/", views.attachment_add_view, name="attachment_add"),
    path("<int:pk>/pieces/<int:attachment_pk>/", views.attachment_download_view, name="attachment_download"),
    path("<int:pk>/marches/rattacher/", views.project_contract_confirm_view, name="project_contract_confirm"),
    path(
        "<int:pk>/marches/<int:link_pk>/detacher/", views.project_contract_unlink_view, name="project_contract_unlink"
    ),
    path("<int:pk>/imprimer/", views.project_print_view, name="project_print"),
    path("<int:pk>/fiche.pdf", views.project_pdf_view, name="project_pdf"),
    path("programmation/", views.programme_list_view, name="programme_list"),
    path("programmation/export.xlsx", views.programme_export_view, name="programme_export"),
    path("programmation/ajouter/", views.programme_entry_edit_view, name="programme_entry_create"),
    path("programmation/<int:pk>/modifier/", views.programme_entry_edit_view, name="programme_entry_edit"),
    path("programmation/<int:pk>/projet/", views.programme_entry_to_project_view, name="programme_entry_to_project"),
    path("programmation/publier/", views.programme_publish_view, name="programme_publish"),
    path("programmation/import/", views.programme_import_view, name="programme_import"),
    path("programmation/import/<int:pk>/", views.programme_import_preview_view, name="programme_import_preview"),
    path("reglages/", views.settings_view, name="settings"),
    path("communes/", views.commune_suggestions_view, name="commune_suggestions"),
    path("rapprochement/", views.reconciliation_view, name="reconciliation"),
    path("rapprochement/export.csv", views.reconciliation_export_view, {"fmt": "csv"}, name="reconciliation_csv"),
    path("rapprochement/export.xlsx", views.reconciliation_export_view, {"fmt": "xlsx"}, name="reconciliation_xlsx"),
]
