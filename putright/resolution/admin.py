"""The administrator keeps the remedy catalogue and the appraisal weights here; offers are read-only."""

from __future__ import annotations

from django.contrib import admin

from putright.resolution.models import AppraisalWeight, Offer, RemedyCatalogueEntry


@admin.register(RemedyCatalogueEntry)
class RemedyCatalogueEntryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "remedy_type",
        "typical_days",
        "customer_benefit",
        "policy_fit",
        "active",
        "position",
    )
    list_editable = ("active", "position")
    list_filter = ("active", "remedy_type", "policy_fit")
    search_fields = ("name", "description")
    fieldsets = (
        (None, {"fields": ("name", "remedy_type", "description", "active", "position")}),
        (
            "Typical value, cost and time",
            {
                "description": "Money is a fixed amount plus a percentage of the amount in dispute.",
                "fields": (
                    ("typical_value", "value_percent_of_price"),
                    ("typical_cost", "cost_percent_of_price"),
                    "typical_days",
                ),
            },
        ),
        ("Fit", {"fields": ("customer_benefit", "policy_fit", "is_exception")}),
        (
            "Default appraisal",
            {
                "fields": (
                    "customer_advantages",
                    "customer_disadvantages",
                    "organisation_advantages",
                    "organisation_disadvantages",
                )
            },
        ),
    )


@admin.register(AppraisalWeight)
class AppraisalWeightAdmin(admin.ModelAdmin):
    """One row per factor: the set is fixed by the appraisal engine, so rows are changed, never added."""

    list_display = ("factor", "weight", "explanation")
    list_editable = ("weight",)
    readonly_fields = ("factor",)
    fields = ("factor", "weight", "explanation")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """Read-only: the negotiation changes only through the case page (one way in, on the timeline)."""

    list_display = ("case", "option", "party", "kind", "amount", "method", "created_at")
    list_filter = ("party", "kind")
    search_fields = ("case__reference",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
