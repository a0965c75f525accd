from django import forms
from django.contrib import admin

from putright.regulation import services
from putright.regulation.models import CaseClock, RegimeSettings


class RegimeSettingsForm(forms.ModelForm):
    adr_website = forms.URLField(
        required=False, max_length=200, assume_scheme="https", label="ADR scheme website"
    )

    class Meta:
        model = RegimeSettings
        fields = [
            "organisation_name",
            "region",
            "sector",
            "service_levels_on",
            "acknowledge_days",
            "first_update_days",
            "resolve_days",
            "disp_on",
            "disp_all_complaints",
            "waive_ombudsman_time_limits",
            "refund_clock_on",
            "sar_on",
            "at_risk_business_days",
            "adr_name",
            "adr_website",
            "adr_obliged",
        ]

    def clean(self):
        data = super().clean()
        if data.get("adr_obliged") and not ((data.get("adr_name") or "").strip() and data.get("adr_website")):
            raise forms.ValidationError("Name the ADR scheme you are obliged to use, and give its website.")
        return data


@admin.register(RegimeSettings)
class RegimeSettingsAdmin(admin.ModelAdmin):
    """One row: the organisation's calendar, sector and regimes. Saved through the service."""

    form = RegimeSettingsForm

    list_display = ("__str__", "region", "sector", "service_levels_on", "disp_on", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")
    fieldsets = (
        ("Organisation", {"fields": ("organisation_name", "region", "sector")}),
        (
            "Own service levels (business days after receipt)",
            {"fields": ("service_levels_on", "acknowledge_days", "first_update_days", "resolve_days")},
        ),
        ("FCA DISP (F4–F7)", {"fields": ("disp_on", "disp_all_complaints", "waive_ombudsman_time_limits")}),
        ("Other clocks", {"fields": ("refund_clock_on", "sar_on", "at_risk_business_days")}),
        ("Alternative dispute resolution (A2)", {"fields": ("adr_name", "adr_website", "adr_obliged")}),
        ("Last change", {"fields": ("updated_at", "updated_by")}),
    )

    def has_add_permission(self, request):
        return services.may_change_regimes(request.user) and not RegimeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    # The administrator role decides, not Django's model permissions: someone granted "change regime
    # settings" without the role still cannot change them (the service would refuse them too).
    def has_module_permission(self, request):
        return services.may_change_regimes(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return services.may_change_regimes(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return services.may_change_regimes(request.user)

    def save_model(self, request, obj, form, change):
        services.regime_settings_save(actor=request.user, settings_row=obj)


@admin.register(CaseClock)
class CaseClockAdmin(admin.ModelAdmin):
    """Read-only: clocks change through the case page and the sweep (with a timeline event)."""

    list_display = ("case", "label", "rule_id", "due_date", "met_at", "missed_at", "stopped_at")
    list_filter = ("kind", "rule_id")
    search_fields = ("case__reference",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
