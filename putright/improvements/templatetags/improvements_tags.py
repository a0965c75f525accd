"""Template tags other rooms' pages use to show improvements beside their own records.

``{% improvements_for_problems rows as found %}`` gives, for the problem board's rows, the improvements
that link each problem as evidence (one query), so a problem resolved by an improvement shows the link
without the problems room importing this one.
"""

from __future__ import annotations

from django import template

from putright.improvements.selectors import improvements_for_problems

register = template.Library()


@register.simple_tag
def improvements_for_problems_tag(problems) -> dict:
    return improvements_for_problems([p.pk for p in problems])


@register.filter
def improvements_of(found: dict, problem) -> list:
    return found.get(problem.pk, [])
