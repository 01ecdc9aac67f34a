from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from spaser.observatory import selectors
from spaser.referentiel.models import Criterion, Family, Indicator
from spaser.strategies.models import ProgrammeEntry


class FamilySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Family
        fields = ["code", "label", "nature", "parent"]


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = [
            "code",
            "title",
            "kind",
            "dimension",
            "obligation",
            "legal_basis",
            "weighting_min",
            "weighting_max",
            "wording",
            "chantier_code",
            "ambition",
        ]


class TrajectoryPointSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    baseline = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    target = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    value = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=["reached", "on_track", "late", "no_data"], allow_null=True, required=False
    )


class IndicatorSerializer(serializers.ModelSerializer):
    chantier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    spaser = serializers.SlugRelatedField(slug_field="code", read_only=True)
    trajectory = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "code",
            "label",
            "definition",
            "unit",
            "spaser",
            "chantier",
            "baseline_value",
            "baseline_year",
            "trajectory",
        ]

    @extend_schema_field(TrajectoryPointSerializer(many=True))
    def get_trajectory(self, indicator):
        states = self.context.get("states") or {}
        return TrajectoryPointSerializer(selectors.trajectory(indicator, states.get(indicator.pk)), many=True).data


class ProgrammeEntrySerializer(serializers.ModelSerializer):
    family = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    amount_band = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammeEntry
        fields = [
            "id",
            "year",
            "subject",
            "family",
            "nature",
            "amount_band",
            "planned_quarter",
            "planned_launch_date",
            "direction",
            "is_renewal",
        ]

    def get_amount_band(self, entry) -> str:
        return selectors.amount_band(entry.estimated_amount)

    def get_direction(self, entry) -> str:
        return entry.direction.name if entry.direction else ""


class ContractAggregateSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    published = serializers.IntegerField(help_text="Marchés dont les considérations sont publiées")
    social = serializers.IntegerField()
    environmental = serializers.IntegerField()
    social_share = serializers.FloatField(allow_null=True)
    environmental_share = serializers.FloatField(allow_null=True)
