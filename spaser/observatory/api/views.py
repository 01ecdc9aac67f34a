"""The public read-only API: référentiels, published indicators, the published plan, contract aggregates."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from spaser.contracts.models import Contract
from spaser.observatory import selectors
from spaser.observatory.api import filters, serializers
from spaser.referentiel.models import Criterion, Family, Indicator
from spaser.strategies.models import ProgrammeEntry


class PublicListView(generics.ListAPIView):
    filter_backends = [filters.StrictFilterBackend]


class FamilyList(PublicListView):
    """Purchase families of the référentiel."""

    serializer_class = serializers.FamilySerializer
    queryset = Family.objects.select_related("parent").order_by("position", "code")


class CriterionList(PublicListView):
    """Criteria and clauses of the référentiel."""

    serializer_class = serializers.CriterionSerializer
    queryset = Criterion.objects.order_by("position", "code")
    filterset_class = filters.CriterionFilter


class IndicatorList(PublicListView):
    """Indicators the organisation publishes, with baseline, targets and measured values."""

    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no database
            return Indicator.objects.none()
        return selectors.published_indicators(selectors.home_organisation())

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        states = selectors.indicator_states(page, selectors.home_organisation())
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), "states": states})
        return self.get_paginated_response(serializer.data)


class IndicatorDetail(generics.RetrieveAPIView):
    serializer_class = serializers.IndicatorSerializer
    lookup_field = "code"
    filter_backends = [filters.StrictFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no database
            return Indicator.objects.none()
        return selectors.published_indicators(selectors.home_organisation())

    def get_object(self):
        if "\x00" in self.kwargs["code"]:  # PostgreSQL refuses NUL in text: no indicator has such a code
            raise NotFound()
        return super().get_object()


class ProgrammeEntryList(PublicListView):
    """Published entries of the forward procurement plan (amounts by band only)."""

    serializer_class = serializers.ProgrammeEntrySerializer
    filterset_class = filters.ProgrammeEntryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no database
            return ProgrammeEntry.objects.none()
        return selectors.plan_entries(selectors.home_organisation())


class ContractAggregateList(generics.GenericAPIView):
    """Contracts of the organisation by year of notification: counts, amounts, social and environmental shares."""

    serializer_class = serializers.ContractAggregateSerializer
    filter_backends = [filters.StrictFilterBackend]
    pagination_class = None

    def get_queryset(self):
        # Only read by the schema generator and the strict filter backend: the answer is an aggregate.
        return Contract.objects.none()

    @extend_schema(responses=serializers.ContractAggregateSerializer(many=True))
    def get(self, request):
        self.filter_queryset(None)  # rejects unknown parameters
        rows = selectors.contract_aggregates_by_year(selectors.home_organisation())
        return Response(serializers.ContractAggregateSerializer(rows, many=True).data)
