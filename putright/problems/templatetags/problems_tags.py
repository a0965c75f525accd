"""``{% case_problems case %}`` (the panel on a case: part of a known problem, and its workaround) and
``{% sparkline counts %}`` (a small trend drawn as SVG, with its numbers said in words)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from putright.problems import selectors
from putright.problems.models import ProblemStatus

register = template.Library()

SPARK_WIDTH, SPARK_HEIGHT = 112, 28


@register.inclusion_tag("problems/_case_panel.html")
def case_problems(case) -> dict:
    links = selectors.case_problems(case=case)
    return {
        "case": case,
        "links": links,
        "known_errors": [link for link in links if link.problem.status == ProblemStatus.KNOWN_ERROR],
    }


@register.simple_tag
def sparkline(counts: list[int], label: str = "New cases per day") -> str:
    """An inline SVG polyline of ``counts`` (oldest first); screen readers hear the totals instead."""
    counts = list(counts or [])
    if not counts:
        return ""
    peak = max(max(counts), 1)
    step = SPARK_WIDTH / max(len(counts) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (n / peak) * (SPARK_HEIGHT - 4):.1f}"
        for i, n in enumerate(counts)
    )
    recent = sum(counts[-3:])
    words = (
        f"{label}: {sum(counts)} in the last {len(counts)} days, {recent} in the last 3 days, "
        f"at most {max(counts)} a day."
    )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<title>{}</title><polyline points="{}" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>',
        SPARK_WIDTH,
        SPARK_HEIGHT,
        SPARK_WIDTH,
        SPARK_HEIGHT,
        words,
        words,
        points,
    )
