from django.contrib import admin

from putright.cases.models import Case, Category


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
