from django.contrib import admin

from putright.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: where each piece of background work stands, and why one gave up."""

    list_display = ("pk", "task", "args", "queue", "status", "attempts", "created_at", "finished_at", "error")
    list_filter = ("status", "queue", "task")
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
