from django.contrib import admin

from putright.procedures.models import Acknowledgement, Procedure, ProcedureVersion


class _ReadOnly(admin.ModelAdmin):
    """Read-only: procedures change only through their pages (the services, with their history). The
    admin shows each procedure's history (the same log entries the procedure page lists)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(_ReadOnly):
    list_display = ("title", "owner", "review_due", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("title",)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(_ReadOnly):
    list_display = ("procedure", "number", "author", "created_at", "change_note")
    search_fields = ("procedure__title", "change_note")


@admin.register(Acknowledgement)
class AcknowledgementAdmin(_ReadOnly):
    list_display = ("user", "subject_key", "title", "requested_at", "acknowledged_at")
    search_fields = ("subject_key", "title", "user__username")
