"""Staff sign-in, with failed attempts throttled so passwords cannot be guessed at speed (see ``signin``), and
its second step: the code from an authenticator app (or a backup code), enrolment, and a person's own
"Two-factor sign-in" page (see ``two_factor``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from putright.authority import signin, two_factor
from putright.authority.signin import ThrottledAuthenticationForm, answer_refusal_with_429


class ThrottledLoginView(LoginView):
    """Django's login with the shared sign-in throttle; the admin's login uses the same one.

    Someone who owes a code after their password goes to the code step (or to enrolment) next.
    """

    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm

    def post(self, request, *args, **kwargs):
        return answer_refusal_with_429(super().post(request, *args, **kwargs))

    def form_valid(self, form):
        response = super().form_valid(form)
        if two_factor.second_step_pending(self.request):
            return redirect(two_factor.step_url(self.request, self.get_success_url()))
        return response


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _refused(request: HttpRequest, template: str, context: dict, refusal: signin.Refusal) -> HttpResponse:
    """The page again, with the throttle's message, as 429 Too Many Requests with Retry-After."""
    response = render(request, template, {**context, "error": refusal.message}, status=429)
    response["Retry-After"] = str(refusal.retry_after_seconds)
    return response


def _check_code(request: HttpRequest, check) -> tuple[object | None, signin.Refusal | None, str]:
    """Run ``check(code)`` under the sign-in throttle: (what it accepted, the throttle's refusal, an error).

    A wrong or unreadable code counts as a failed sign-in for the person's username, exactly as a wrong
    password does; an accepted one forgets their failures.
    """
    username = signin.normalised_username(request.user.get_username())
    refusal = signin.refusal(request, username)
    if refusal is not None:
        return None, refusal, refusal.message
    code = two_factor.normalised_code(request.POST.get("code"))
    accepted = check(code) if code else None
    if accepted is None:
        signin.record_failure(request, username)
        if not code:
            return None, None, "Enter the 6-digit code from your app, or one of your backup codes."
        return (
            None,
            None,
            "That code did not work. Check your app shows the code for Putright, and try again.",
        )
    signin.record_success(username)
    return accepted, None, ""


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def code_step(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the person's app, or one of their backup codes."""
    next_url = two_factor.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not two_factor.second_step_pending(request):
        return redirect(next_url)
    if not user_has_device(request.user):
        return redirect(_with_next("two_factor_enrol", next_url))
    template, context = "registration/two_factor_code.html", {"next": next_url}
    if request.method == "POST":
        device, refusal, error = _check_code(request, lambda code: two_factor.verify_code(request.user, code))
        if refusal is not None:
            return _refused(request, template, context, refusal)
        if device is not None:
            two_factor.mark_verified(request, device)
            if isinstance(device, StaticDevice):
                left = two_factor.backup_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Each works once: make new ones on your "
                    "Two-factor sign-in page before they run out.",
                )
            return redirect(next_url)
        context["error"] = error
    return render(request, template, context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: its secret as a QR code and as text, confirmed by a current code."""
    next_url = two_factor.safe_next(
        request, request.POST.get("next") or request.GET.get("next") or reverse("two_factor_settings")
    )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not two_factor.may_use_two_factor(request.user):
        return render(request, "cases/forbidden.html", status=403)
    if two_factor.app_device(request.user) is not None:
        # A second app only through the person's own page, with a code from the first: otherwise a
        # password alone could add an app and walk past the code step.
        if two_factor.second_step_pending(request):
            return redirect(_with_next("two_factor_code", next_url))
        return redirect("two_factor_settings")
    device = two_factor.pending_app_device(request.user)
    uri = device.config_url
    template = "registration/two_factor_enrol.html"
    context = {
        "next": next_url,
        "secret": two_factor.readable_secret(device),
        "otpauth_uri": uri,
        "qr_svg": two_factor.qr_code_svg(uri),
        "required": two_factor.required_by_role(request.user),
    }
    if request.method == "POST":

        def current_code(code: str):
            return device if code.isdigit() and device.verify_token(code) else None

        accepted, refusal, error = _check_code(request, current_code)
        if refusal is not None:
            return _refused(request, template, context, refusal)
        if accepted is not None:
            codes = two_factor.confirm_app_device(request, device)
            two_factor.keep_backup_codes_to_show(request, codes)
            return redirect(_with_next("two_factor_backup_codes", next_url))
        context["error"] = error
    return render(request, template, context)


@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    """The new backup codes, shown once: the page after enrolment, or after asking for new ones."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    codes = two_factor.backup_codes_to_show(request)
    if not codes:
        return redirect("two_factor_settings")
    next_url = two_factor.safe_next(request, request.GET.get("next") or reverse("two_factor_settings"))
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": next_url})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """A person's own "Two-factor sign-in": set up an app, or with a current code remove it, set up a new
    one, or make new backup codes."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not two_factor.may_use_two_factor(request.user):
        return render(request, "cases/forbidden.html", status=403)
    user = request.user
    required = two_factor.required_by_role(user)
    template = "registration/two_factor_settings.html"
    context = {
        "app_device": two_factor.app_device(user),
        "backup_codes_left": two_factor.backup_codes_left(user),
        "required": required,
    }
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("remove", "new_app", "new_backup_codes") or (action == "remove" and required):
            context["error"] = "Choose one of the actions on this page."
            return render(request, template, context, status=400)
        if context["app_device"] is None:
            return redirect("two_factor_enrol")
        device, refusal, error = _check_code(request, lambda code: two_factor.verify_code(user, code))
        if refusal is not None:
            return _refused(request, template, context, refusal)
        if device is None:
            context["error"] = error
            return render(request, template, context)
        if action == "new_backup_codes":
            two_factor.keep_backup_codes_to_show(request, two_factor.new_backup_codes(user))
            return redirect("two_factor_backup_codes")
        two_factor.remove_devices(request)
        if action == "new_app":
            return redirect("two_factor_enrol")
        messages.success(request, "Two-factor sign-in is off: you sign in with your password alone.")
        return redirect("two_factor_settings")
    return render(request, template, context)
