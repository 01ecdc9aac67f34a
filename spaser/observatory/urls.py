from django.urls import path

from spaser.observatory import report_views, views

app_name = "observatory"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("chiffres/<int:year>/", views.key_figures_view, name="key_figures"),
    path("indicateurs/<str:code>/", views.indicator_view, name="indicator"),
    path("territoire/", views.territory_view, name="territory"),
    path("programmation/", views.plan_view, name="plan"),
    path("programmation.csv", views.plan_csv_view, name="plan_csv"),
    path("programmation.ics", views.plan_ical_view, name="plan_ical"),
    path("donnees/", views.opendata_view, name="opendata"),
    path("donnees/<slug:slug>.<str:fmt>", views.dataset_view, name="dataset"),
    path("donnees/schemas/<slug:slug>.json", views.schema_view, name="schema"),
    path("contact/", views.contact_view, name="contact"),
    path("contact/envoye/", views.contact_sent_view, name="contact_sent"),
    path("cellule/", views.inbox_view, name="inbox"),
    path("cellule/<int:pk>/", views.contact_detail_view, name="contact_detail"),
    path("publication/", views.publication_view, name="publication"),
    path("rapports/", report_views.report_list_view, name="reports"),
    path("rapports/<int:pk>/pdf/", report_views.report_pdf_view, name="report_pdf"),
    path("rapports/<int:pk>/annexe/", report_views.report_annex_view, name="report_annex"),
]
