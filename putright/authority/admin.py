from django import forms
from django.contrib import admin

from putright.authority.models import ApiToken, Approval, AuthorityLimit, Escalation, HandlerStatus, Team
from putright.vocab import RemedyType


class AuthorityLimitForm(forms.ModelForm):
    """Remedy types as checkboxes, so an administrator never edits raw JSON."""

    remedy_types = forms.MultipleChoiceField(
        choices=RemedyType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Remedies this role may offer on its own authority; others need approval.",
    )

    class Meta:
        model = AuthorityLimit
        fields = [
            "group",
            "max_amount",
            "remedy_types",
            "rank",
            "may_approve_exceptions",
            "statutory_ceiling",
        ]

    def clean_max_amount(self):
        amount = self.cleaned_data.get("max_amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError("A limit cannot be negative; leave it empty for no limit.")
        return amount

    def clean_statutory_ceiling(self):
        ceiling = self.cleaned_data.get("statutory_ceiling")
        if ceiling is not None and ceiling < 0:
            raise forms.ValidationError(
                "A ceiling cannot be negative; leave it empty for the supervisor's limit, or 0 for none."
            )
        return ceiling


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    form = AuthorityLimitForm
    list_display = (
        "group",
        "max_amount",
        "statutory_ceiling",
        "remedy_type_labels",
        "may_approve_exceptions",
        "rank",
    )

    @admin.display(description="Remedy types")
    def remedy_type_labels(self, obj):
        labels = dict(RemedyType.choices)
        return ", ".join(labels.get(t, t) for t in obj.remedy_types) or "none"


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("case", "option", "status", "requested_by", "assigned_to", "decided_by", "created_at")
    list_filter = ("status",)

    def has_change_permission(self, request, obj=None):
        return False  # decided only through the approvals page (services check authority)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("case", "from_user", "to_user", "automatic", "created_at")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams are managed on the Teams pages (they check roles and log each change here); the admin shows
    them and their history."""

    list_display = ("name", "lead", "member_count", "last_assigned", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    @admin.display(description="Members")
    def member_count(self, obj):
        return obj.members.count()


@admin.register(HandlerStatus)
class HandlerStatusAdmin(admin.ModelAdmin):
    list_display = ("user", "away", "away_note", "max_open_cases", "updated_at")
    list_filter = ("away",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
