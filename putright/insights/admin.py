from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from putright.engines.metrics import BY_ID, METRICS
from putright.errors import DomainError
from putright.insights import services
from putright.insights.models import CalendarDay, DigestPreference, InsightsSettings, MetricTarget


class MetricTargetForm(forms.ModelForm):
    metric_id = forms.ChoiceField(
        label="Metric", choices=[(m.id, f"{m.title} ({m.id}, {m.unit.value})") for m in METRICS]
    )

    class Meta:
        model = MetricTarget
        fields = ["metric_id", "target"]
        help_texts = {"target": "In the metric's unit: a rate as a fraction from 0 to 1 (0.85 is 85%)."}

    def clean(self):
        data = super().clean()
        definition = BY_ID.get(data.get("metric_id") or "")
        if definition is not None and data.get("target") is not None:
            if definition.is_rate and not 0.0 <= data["target"] <= 1.0:
                raise ValidationError("A rate's target is a fraction from 0 to 1, e.g. 0.85.")
        return data


class AdministratorsOnly(admin.ModelAdmin):
    # The administrator role decides, not Django's model permissions (the services refuse anyone else).
    def has_module_permission(self, request):
        return services.may_set_targets(request.user)

    def has_view_permission(self, request, obj=None):
        return services.may_set_targets(request.user)

    def has_change_permission(self, request, obj=None):
        return services.may_set_targets(request.user)

    def has_add_permission(self, request):
        return services.may_set_targets(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.may_set_targets(request.user)


@admin.register(MetricTarget)
class MetricTargetAdmin(AdministratorsOnly):
    """The organisation's target for a metric; the dashboards show each figure against it."""

    form = MetricTargetForm
    list_display = ("metric_id", "target", "set_by", "set_at")
    readonly_fields = ("set_by", "set_at")

    def save_model(self, request, obj, form, change):
        try:
            services.metric_target_save(actor=request.user, target=obj)
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(InsightsSettings)
class InsightsSettingsAdmin(AdministratorsOnly):
    """One row: the repeat-contact and reopen windows the metrics measure over."""

    list_display = ("__str__", "repeat_contact_window_days", "reopen_window_days")

    def has_add_permission(self, request):
        return services.may_set_targets(request.user) and not InsightsSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.insights_settings_save(actor=request.user, settings_row=obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(AdministratorsOnly):
    """Read-only: filled from the deadlines engine by the sweep and on demand."""

    list_display = ("region", "date", "is_business_day", "business_day_ordinal")
    list_filter = ("region", "is_business_day")
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DigestPreference)
class DigestPreferenceAdmin(AdministratorsOnly):
    list_display = ("user", "weekly_digest", "last_sent_at")
    readonly_fields = ("last_sent_at",)
