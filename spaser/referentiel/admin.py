from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from spaser.referentiel.models import (
    Axis,
    BuyerSettings,
    Chantier,
    ChantierDirection,
    CpvRule,
    Criterion,
    Family,
    Indicator,
    LegalObligation,
    Milestone,
    Spaser,
    Target,
    Theme,
    Threshold,
)


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["code", "title", "axis", "position"]


@admin.register(Spaser)
class SpaserAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "period_start", "period_end", "version", "status"]
    list_filter = ["status"]
    search_fields = ["title", "code", "organisation__name"]
    inlines = [AxisInline, ThemeInline]


@admin.register(Axis)
class AxisAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "spaser", "position"]
    list_filter = ["spaser"]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "axis", "spaser", "position"]
    list_filter = ["spaser"]


class DirectionInline(admin.TabularInline):
    model = ChantierDirection
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Chantier)
class ChantierAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "theme", "pilot", "status"]
    list_filter = ["status", "spaser"]
    search_fields = ["code", "title", "pilot"]
    inlines = [DirectionInline, MilestoneInline]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "chantier", "unit", "mode", "baseline_value", "baseline_year"]
    list_filter = ["mode", "direction", "spaser"]
    search_fields = ["code", "label", "computation_key"]
    inlines = [TargetInline]


@admin.register(ChantierDirection, Milestone, Target)
class ChildAdmin(SimpleHistoryAdmin):
    pass


class CpvRuleInline(admin.TabularInline):
    model = CpvRule
    extra = 0


@admin.register(Family)
class FamilyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "nature", "parent", "position"]
    list_filter = ["nature"]
    search_fields = ["code", "label"]
    inlines = [CpvRuleInline]


@admin.register(CpvRule)
class CpvRuleAdmin(SimpleHistoryAdmin):
    list_display = ["prefix", "family"]
    search_fields = ["prefix", "family__code"]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "kind", "dimension", "obligation", "legal_status", "ambition"]
    list_filter = ["kind", "dimension", "obligation", "legal_status", "ambition", "families"]
    search_fields = ["code", "title", "wording", "legal_basis"]
    filter_horizontal = ["families"]


@admin.register(Threshold)
class ThresholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "amount", "valid_from", "valid_to", "status"]
    list_filter = ["code", "status"]


@admin.register(LegalObligation)
class LegalObligationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "effective_from", "amount_operator", "amount_threshold", "status"]


@admin.register(BuyerSettings)
class BuyerSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "buyer_kind", "strategy_form_threshold"]
