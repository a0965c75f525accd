"""Issue 15 §4 on the pages: ``{% case_attachments case %}`` (the case's files, for staff) and
``{% message_attachments message %}`` (one message's own files, in the thread; ``side="portal"`` on the
customer's page). One query per page for all of them: the files are read once per template and grouped
by message (or taken from an ``attachments`` list the view already put in the context)."""

from __future__ import annotations

from django import template

from putright.channels import attachments, selectors

register = template.Library()


def _case_files(context, case) -> list:
    if context.get("attachments") is not None:
        return list(context["attachments"])
    key = ("putright-attachments", case.pk)
    if key not in context.render_context:
        context.render_context[key] = list(selectors.case_attachments(case))
    return context.render_context[key]


@register.inclusion_tag("channels/_attachments.html", takes_context=True)
def case_attachments(context, case, side: str = "staff") -> dict:
    return {"case": case, "attachments": _case_files(context, case), "side": side}


@register.inclusion_tag("channels/_attachment_list.html", takes_context=True)
def message_attachments(context, message, side: str = "staff") -> dict:
    case = context["case"]
    grouped = selectors.attachments_by_message(_case_files(context, case))
    return {"case": case, "attachments": grouped.get(message.pk, []), "side": side}


@register.filter
def attachment_kind(content_type: str) -> str:
    return attachments.ALLOWED.get(content_type, (content_type, ""))[0]
