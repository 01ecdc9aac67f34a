from django.urls import path

from spaser.suppliers import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list_view, name="list"),
    path("<int:pk>/", views.supplier_detail_view, name="detail"),
]
