"""The admin site, with its login throttled exactly like ``/login/``, and closed to a session that still owes
its two-factor code (``two_factor``): the admin's login sends such a session to the code step.

Installed as Django's default admin site (``authority.apps.PutrightAdminConfig`` in INSTALLED_APPS), so every
``admin.register`` and ``admin.site.urls`` use it unchanged, and the admin's login page keeps its look.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.shortcuts import redirect
from django.urls import reverse

from putright.authority import two_factor
from putright.authority.signin import ThrottledAdminAuthenticationForm, answer_refusal_with_429


class PutrightAdminSite(AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        response = answer_refusal_with_429(super().login(request, extra_context))
        if response.status_code == 302 and two_factor.second_step_pending(request):
            return redirect(two_factor.step_url(request, response.url or reverse("admin:index")))
        return response

    def has_permission(self, request):
        return super().has_permission(request) and not two_factor.second_step_pending(request)
