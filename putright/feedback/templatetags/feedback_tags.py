"""``{% feedback_share_form case %}``: the "Share as feedback" form on the case workspace."""

from __future__ import annotations

from django import template

from putright.feedback.forms import ShareFeedbackForm

register = template.Library()


@register.inclusion_tag("feedback/_share_form.html", takes_context=True)
def feedback_share_form(context, case):
    return {
        "case": case,
        "share_form": ShareFeedbackForm(auto_id="id_share_%s"),
        "csrf_token": context.get("csrf_token"),
    }
