from django.contrib import admin

from putright.monitoring.models import AffectedCustomer, Signal, SignalBreach, SignalThreshold


@admin.register(SignalThreshold)
class SignalThresholdAdmin(admin.ModelAdmin):
    """Administrators set thresholds here; ``clean()`` refuses dimensions that are not a flat object."""

    list_display = ("name", "measurement", "rule_text", "source_kind", "enabled", "cooldown_minutes")
    list_filter = ("enabled", "source_kind", "aggregation")
    search_fields = ("name", "measurement", "product")
    fieldsets = (
        (None, {"fields": ("name", "enabled")}),
        (
            "When it breaches",
            {"fields": ("measurement", "dimensions", "aggregation", "window_minutes", "comparison", "value")},
        ),
        ("The problem it opens", {"fields": ("source_kind", "category", "product", "cooldown_minutes")}),
        ("Proactive notice (prefilled for staff)", {"fields": ("notice_subject", "notice_body")}),
    )

    @admin.display(description="Rule")
    def rule_text(self, obj):
        return obj.rule_text


class _ReadOnly(admin.ModelAdmin):
    """Readings, breaches and notices change only through the services (one way in)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signal)
class SignalAdmin(_ReadOnly):
    list_display = ("name", "value", "observed_at", "received_at", "sender", "evaluated_at")
    list_filter = ("name",)
    search_fields = ("name", "client_id")


@admin.register(SignalBreach)
class SignalBreachAdmin(_ReadOnly):
    list_display = (
        "threshold",
        "started_at",
        "last_breached_at",
        "readings",
        "problem",
        "notice_requested_at",
    )


@admin.register(AffectedCustomer)
class AffectedCustomerAdmin(_ReadOnly):
    list_display = ("customer", "breach", "matched_by", "notified_at", "case")
    raw_id_fields = ("customer", "breach", "case", "message")
