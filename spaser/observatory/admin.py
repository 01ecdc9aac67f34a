from django.contrib import admin

from spaser.observatory.models import ContactRequest, PublishedIndicator, SpaserReport


@admin.register(PublishedIndicator)
class PublishedIndicatorAdmin(admin.ModelAdmin):
    list_display = ["indicator", "is_public", "updated_at"]
    list_filter = ["is_public"]
    list_editable = ["is_public"]
    list_select_related = ["indicator"]


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "company", "subject", "status"]
    list_filter = ["status", "topic"]


@admin.register(SpaserReport)
class SpaserReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "status", "generated_at"]
    readonly_fields = ["inputs", "generated_at", "error"]
