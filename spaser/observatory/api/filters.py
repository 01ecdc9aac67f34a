"""Strict filtering: a query parameter the endpoint does not know is a 400, not silently ignored."""

from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from spaser.strategies.models import ProgrammeEntry

ALWAYS_ALLOWED = {"page", "page_size", "format"}


class StrictFilterBackend(filters.DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class else set()
        unknown = sorted(set(request.query_params) - known - ALWAYS_ALLOWED)
        if unknown:
            raise ValidationError({name: "Filtre inconnu." for name in unknown})
        return super().filter_queryset(request, queryset, view)


class ProgrammeEntryFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year")
    quarter = filters.NumberFilter(field_name="planned_quarter")
    family = filters.CharFilter(field_name="family__code")
    nature = filters.CharFilter(field_name="nature")

    class Meta:
        model = ProgrammeEntry
        fields = ["year", "quarter", "family", "nature"]


class IndicatorFilter(filters.FilterSet):
    chantier = filters.CharFilter(field_name="chantier__code")

    class Meta:
        from spaser.referentiel.models import Indicator

        model = Indicator
        fields = ["chantier"]


class CriterionFilter(filters.FilterSet):
    dimension = filters.CharFilter(field_name="dimension")
    kind = filters.CharFilter(field_name="kind")

    class Meta:
        from spaser.referentiel.models import Criterion

        model = Criterion
        fields = ["dimension", "kind"]
