"""The admin site, with its login throttled exactly like ``/login/``.

Installed as Django's default admin site (``authority.apps.PutrightAdminConfig`` in INSTALLED_APPS), so every
``admin.register`` and ``admin.site.urls`` use it unchanged, and the admin's login page keeps its look.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite

from putright.authority.signin import ThrottledAdminAuthenticationForm, answer_refusal_with_429


class PutrightAdminSite(AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        return answer_refusal_with_429(super().login(request, extra_context))
