"""Password reset by e-mail for staff: Django's views, with our pages and a limit on requests.

The form answers the same whether or not an account has the address (Django sends nothing when none has),
and the limit counts every request, so neither tells which addresses belong to staff. The e-mail is sent
by the worker (``send_reset_email``), not while the page waits: an SMTP round trip only for known
addresses would tell them apart by time, and a slow mail server would hold the page. The task is given
the account's id alone and makes the link when it runs, so no live link sits in the task queue. The link
is built from ``SITE_URL``, never from the request's Host header, and works once (Django's token changes
with the password). A reset never signs anyone in: they sign in afterwards with the new password and, if
they owe one, their two-factor code.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from putright import ratelimit
from putright.jobs import queues
from putright.jobs.outbox import later
from putright.jobs.runner import job_task

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.txt"


@job_task(queue=queues.MAIL)
def send_reset_email(user_id: int) -> str:
    """E-mail the account a fresh reset link, if it can still use one when the worker gets to it."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return "skipped"
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "site_url": settings.SITE_URL,
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    EmailMessage(subject, render_to_string(BODY_TEMPLATE, context), to=[user.email]).send()
    return "sent"


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, with each e-mail handed to the worker instead of sent while the page waits."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        later(send_reset_email, context["user"].pk)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = QueuedPasswordResetForm

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
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
