"""Staff sign-in, with failed attempts throttled so passwords cannot be guessed at speed (see ``signin``)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView

from putright.authority.signin import ThrottledAuthenticationForm, answer_refusal_with_429


class ThrottledLoginView(LoginView):
    """Django's login with the shared sign-in throttle; the admin's login uses the same one."""

    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm

    def post(self, request, *args, **kwargs):
        return answer_refusal_with_429(super().post(request, *args, **kwargs))
