"""Administrators set who is "the appropriate authority" for which problems here (owner routes).

Problems themselves are read-only in the admin: they change through the problem pages and API, whose
services record every change on the problem's history and the cases' timelines.
"""

from django.contrib import admin

from putright import clock
from putright.problems.models import Problem, ProblemOwnerRoute


@admin.register(ProblemOwnerRoute)
class ProblemOwnerRouteAdmin(admin.ModelAdmin):
    list_display = ("category", "product", "owner", "created_at")
    list_filter = ("category",)
    fields = ("category", "product", "owner")

    def save_model(self, request, obj, form, change):
        if obj.created_at is None:
            obj.created_at = clock.now()
        obj.product = obj.product.strip()
        super().save_model(request, obj, form, change)


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("pk", "title", "status", "owner", "origin", "first_seen", "last_seen")
    list_filter = ("status", "origin")
    search_fields = ("title",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
