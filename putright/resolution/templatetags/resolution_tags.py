"""Words for the statutory position and the appraisal, so templates say them the same way everywhere."""

from __future__ import annotations

from django import template

register = template.Library()

BURDEN_WORDS = {
    "trader": "On us: the fault is presumed to have been there at delivery unless we prove otherwise (G9).",
    "consumer": "On the customer: they must show the fault was there at delivery (G10).",
}


@register.filter
def burden_words(value: str | None) -> str:
    return BURDEN_WORDS.get(value or "", "Not in question on these facts.")


@register.filter
def deduction_words(value: bool | None, rules=()) -> str:
    if value is None:
        return "Not in question on these facts."
    if value:
        motor = " (a motor vehicle, G8)" if "G8" in (rules or ()) else ""
        return f"Allowed if the customer uses the final right to reject: a refund may be reduced for use{motor} (G7)."
    return "None: the customer gets the full price back."
