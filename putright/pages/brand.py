"""The organisation's brand, kept by administrators at ``/settings/brand/`` (issue 15 §6): the name,
signature, reply-to address, header colour and logo customers see on their pages and in every e-mail.
Everyone else on the staff gets 403; nothing changes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from putright.cases.access import forbidden, staff_required
from putright.channels import brand as brand_services
from putright.errors import DomainError


class BrandForm(forms.Form):
    display_name = forms.CharField(
        label="Organisation's name",
        max_length=100,
        help_text="Shown to customers at the top of their pages, as the sender of e-mails and in the consent.",
    )
    signature = forms.CharField(
        label="Signature",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Under every e-mail to a customer, exactly as written.",
    )
    reply_to = forms.EmailField(
        label="Reply-to address",
        required=False,
        help_text="Where customers' replies to e-mails go. Empty: to the sending address.",
    )
    colour = forms.CharField(
        label="Header colour",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="White text stands on it: it must give a contrast of at least 4.5:1.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text="PNG or JPEG, at most 1 MB; shown at most 48 pixels high on the dark header. It is re-encoded "
        "and its metadata removed.",
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)


@staff_required
@require_http_methods(["GET", "POST"])
def brand_settings(request: HttpRequest) -> HttpResponse:
    if not brand_services.may_change_brand(request.user):
        return forbidden(request)
    current = brand_services.brand_get()
    initial = {
        "display_name": current.display_name if current.is_set else "",
        "signature": current.signature if current.is_set else "",
        "reply_to": current.reply_to,
        "colour": current.colour,
    }
    form = BrandForm(initial=initial, auto_id="id_brand_%s")
    status = 200
    if request.method == "POST":
        form = BrandForm(request.POST, request.FILES, auto_id="id_brand_%s")
        if form.is_valid():
            data = form.cleaned_data
            upload = data["logo"]
            try:
                brand_services.brand_save(
                    actor=request.user,
                    display_name=data["display_name"],
                    signature=data["signature"],
                    reply_to=data["reply_to"],
                    colour=data["colour"],
                    logo=upload.read(brand_services.LOGO_MAX_BYTES + 1) if upload else None,
                    remove_logo=data["remove_logo"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Saved: customers see the new brand on their next page or e-mail.")
                return redirect("brand_settings")
        status = 400
    return render(request, "settings/brand.html", {"form": form, "current": current}, status=status)
