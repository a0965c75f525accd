from django.contrib import admin

from putright.feedback.models import FeedbackItem


@admin.register(FeedbackItem)
class FeedbackItemAdmin(admin.ModelAdmin):
    """Read-only: feedback enters through its services (satisfaction answers, colleagues, the API)."""

    list_display = ("created_at", "source", "sentiment", "satisfied", "category", "case")
    list_filter = ("source", "sentiment", "satisfied")
    search_fields = ("text",)
    raw_id_fields = ("case", "customer", "flagged_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
