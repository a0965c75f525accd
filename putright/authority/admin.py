from django.contrib import admin

from putright.authority.models import ApiToken, Approval, AuthorityLimit, Escalation


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    list_display = ("group", "max_amount", "remedy_types", "rank")


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
