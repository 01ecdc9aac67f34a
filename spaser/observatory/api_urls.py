from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from spaser.observatory import views_api_docs
from spaser.observatory.api import views

app_name = "api"

urlpatterns = [
    path("", views_api_docs.api_index_view, name="index"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views_api_docs.api_docs_view, name="docs"),
    path("v1/familles/", views.FamilyList.as_view(), name="families"),
    path("v1/criteres/", views.CriterionList.as_view(), name="criteria"),
    path("v1/indicateurs/", views.IndicatorList.as_view(), name="indicators"),
    path("v1/indicateurs/<str:code>/", views.IndicatorDetail.as_view(), name="indicator"),
    path("v1/programmation/", views.ProgrammeEntryList.as_view(), name="plan"),
    path("v1/marches/agregats/", views.ContractAggregateList.as_view(), name="contract_aggregates"),
]
