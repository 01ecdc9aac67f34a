"""Technical administration: read the projects and their journal; the workflow is driven from the pages only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from spaser.strategies.models import (
    AwardCriterion,
    Clause,
    Lot,
    ProgrammeEntry,
    ProjectContract,
    ProjectTransitionLog,
    PurchaseProject,
    StrategySettings,
)


class AwardCriterionInline(admin.TabularInline):
    model = AwardCriterion
    extra = 0
    fields = ["label", "kind", "weight", "includes_environment", "source"]
    raw_id_fields = ["source"]


class ClauseInline(admin.TabularInline):
    model = Clause
    extra = 0
    fields = ["label", "dimension", "kind", "source"]
    raw_id_fields = ["source"]


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0


class TransitionLogInline(admin.TabularInline):
    model = ProjectTransitionLog
    extra = 0
    can_delete = False
    readonly_fields = ["timestamp", "transition", "from_state", "to_state", "user", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


class ContractLinkInline(admin.TabularInline):
    """Read-only: links are confirmed and detached on the project page (services, with their log)."""

    model = ProjectContract
    extra = 0
    can_delete = False
    readonly_fields = ["contract", "confirmed_by", "score", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PurchaseProject)
class PurchaseProjectAdmin(SimpleHistoryAdmin):
    list_display = [
        "subject",
        "organisation",
        "state",
        "direction",
        "estimated_amount",
        "blocking_count",
        "updated_at",
    ]
    list_filter = ["state", "organisation", "nature"]
    search_fields = ["subject"]
    # The state and the frozen snapshot change only through the workflow services (traceability).
    readonly_fields = ["state", "version", "snapshot", "referentiel_version", "validated_at", "blocking_count"]
    raw_id_fields = ["programme_entry", "created_by", "execution_commune"]  # 35,000 communes: no select
    inlines = [AwardCriterionInline, ClauseInline, LotInline, ContractLinkInline, TransitionLogInline]


@admin.register(ProgrammeEntry)
class ProgrammeEntryAdmin(SimpleHistoryAdmin):
    list_display = [
        "subject",
        "organisation",
        "year",
        "estimated_amount",
        "form_required",
        "rse_eligible",
        "is_published",
    ]
    list_filter = ["year", "organisation", "form_required", "rse_eligible", "eu_threshold_reached", "is_published"]
    search_fields = ["subject", "cpv_code"]
    readonly_fields = ["form_required", "rse_eligible", "eu_threshold_reached"]


@admin.register(StrategySettings)
class StrategySettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "env_weight_min", "env_weight_max", "opinion_amount_threshold"]
    filter_horizontal = ["opinion_families"]
