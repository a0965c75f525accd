"""Password reset by e-mail for staff: Django's views, with our pages and a limit on requests.

The form answers the same whether or not an account has the address (Django sends nothing when none has),
and the limit counts every request, so neither tells which addresses belong to staff. The link in the
e-mail is built from ``SITE_URL``, never from the request's Host header, and works once (Django's token
changes with the password). A reset never signs anyone in: they sign in afterwards with the new password
and, if they owe one, their two-factor code.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views

from putright import ratelimit


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        limits = [
            ratelimit.Limit(
                "password-reset-email",
                ratelimit.mailbox(form.cleaned_data["email"]),
                settings.PUTRIGHT["PASSWORD_RESETS_PER_EMAIL_PER_HOUR"],
            ),
            ratelimit.Limit(
                "password-reset-address",
                ratelimit.client_address(self.request),
                settings.PUTRIGHT["PASSWORD_RESETS_PER_IP_PER_HOUR"],
            ),
        ]
        if ratelimit.exceeded(limits):
            minutes = -(-ratelimit.seconds_until_reset() // 60)
            response = self.render_to_response(
                self.get_context_data(
                    form=form,
                    refused=f"Too many password reset requests: try again in {minutes} minutes.",
                ),
                status=429,
            )
            response["Retry-After"] = str(ratelimit.seconds_until_reset())
            return response
        ratelimit.count(limits)
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
