from django.contrib import admin

from putright.cases.models import AssignmentRule, Case, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the workspace (one way in, with an audit trail)."""

    list_display = ("reference", "subject", "status", "source_kind", "assignee", "created_at")
    list_filter = ("status", "source_kind", "channel")
    search_fields = ("reference", "subject")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    """Kept on the Assignment rules page (administrators); listed here in the order they are tried."""

    list_display = ("position", "name", "category", "channel", "team", "assign_round_robin", "active")
    list_display_links = ("name",)
    list_filter = ("active", "team", "channel")
