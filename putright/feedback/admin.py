from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from putright.cases.models import SatisfactionSettings, UnresolvedReason
from putright.cases.services import satisfaction_settings_get
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


@admin.register(SatisfactionSettings)
class SatisfactionSettingsAdmin(admin.ModelAdmin):
    """A5: one row (pk 1), made with the defaults on first read: which scores are asked, and when the
    customer is reminded and the case then closes as resolved with no reply; and the window within which a
    case closed resolved is reopened rather than followed up (issue 15 §5)."""

    list_display = (
        "__str__",
        "ask_csat",
        "ask_ces",
        "ask_nps",
        "remind_after_days",
        "close_no_reply_after_days",
        "reopen_window_days",
    )

    def has_add_permission(self, request):
        return not SatisfactionSettings.objects.filter(pk=1).exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # Straight to the one row, created with the defaults if it is not there yet.
        row = satisfaction_settings_get()
        return redirect(reverse("admin:cases_satisfactionsettings_change", args=[row.pk]))


@admin.register(UnresolvedReason)
class UnresolvedReasonAdmin(admin.ModelAdmin):
    """A6: the reason codes offered when closing unresolved, in this order; inactive ones are not offered
    but stay on old cases (so a reason in use cannot be deleted)."""

    list_display = ("position", "label", "code", "active")
    list_display_links = ("label",)
    list_editable = ("position", "active")
    list_filter = ("active",)
    search_fields = ("code", "label")
    ordering = ("position", "label")
