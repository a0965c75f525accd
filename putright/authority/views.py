"""Staff sign-in, with failed attempts throttled so passwords cannot be guessed at speed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import LoginView

from putright import ratelimit

TOO_MANY_ATTEMPTS = (
    "Too many failed sign-in attempts. For your security, please wait an hour before trying again, "
    "or ask an administrator to reset your password."
)


class ThrottledLoginView(LoginView):
    """Django's login, refusing further tries once a username or an address has failed too often.

    Only failures count, so a person who signs in correctly is never slowed down; the refusal
    does not say whether the username exists.
    """

    template_name = "registration/login.html"

    def _limits(self) -> list[ratelimit.Limit]:
        username = (self.request.POST.get("username") or "").strip().lower()[:150]
        limits = [
            ratelimit.Limit(
                "login-address",
                ratelimit.client_address(self.request),
                settings.PUTRIGHT["LOGIN_FAILURES_PER_ADDRESS_PER_HOUR"],
            )
        ]
        if username:
            limits.append(
                ratelimit.Limit("login-user", username, settings.PUTRIGHT["LOGIN_FAILURES_PER_USER_PER_HOUR"])
            )
        return limits

    def post(self, request, *args, **kwargs):
        if ratelimit.exceeded(self._limits()):
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled=TOO_MANY_ATTEMPTS)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(ratelimit.seconds_until_reset())
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        ratelimit.count(self._limits())
        return super().form_invalid(form)
