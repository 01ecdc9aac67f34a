from django.urls import path

from spaser.core import views

app_name = "core"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.healthz_view, name="healthz"),
    path("theme.css", views.theme_css_view, name="theme_css"),
    path("accessibilite/", views.accessibility_view, name="accessibility"),
]
