"""Strict filtering: a query parameter the endpoint does not know is a 400, not silently ignored."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from spaser.referentiel.enums import ContractNature, Dimension, ItemKind
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


class CodeField(forms.CharField):
    """A code typed in a URL: NUL characters (refused by PostgreSQL) are dropped, so such a code matches nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "")


class CodeFilter(filters.CharFilter):
    field_class = CodeField


class ProgrammeEntryFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year")
    quarter = filters.NumberFilter(field_name="planned_quarter")
    family = CodeFilter(field_name="family__code")
    nature = filters.ChoiceFilter(field_name="nature", choices=ContractNature.choices)

    class Meta:
        model = ProgrammeEntry
        fields = ["year", "quarter", "family", "nature"]


class IndicatorFilter(filters.FilterSet):
    chantier = CodeFilter(field_name="chantier__code")

    class Meta:
        from spaser.referentiel.models import Indicator

        model = Indicator
        fields = ["chantier"]


class CriterionFilter(filters.FilterSet):
    dimension = filters.ChoiceFilter(field_name="dimension", choices=Dimension.choices)
    kind = filters.ChoiceFilter(field_name="kind", choices=ItemKind.choices)

    class Meta:
        from spaser.referentiel.models import Criterion

        model = Criterion
        fields = ["dimension", "kind"]
