"""Figures in words for people: a rate as a percentage, hours and days with their unit, counts whole."""

from __future__ import annotations

from putright.engines.metrics import Unit


def figure_text(value: float | int | None, unit: Unit | str, *, signed: bool = False) -> str:
    """``0.725`` of a rate → "72.5%"; ``12.25`` hours → "12.3 hours"; a count → "12". "—" for nothing."""
    if value is None:
        return "—"
    unit = Unit(unit)
    sign = "+" if signed and value > 0 else ""
    if unit is Unit.RATE:
        # A difference of two rates is in percentage points, not a percentage of a percentage.
        return f"{sign}{value * 100:.1f} percentage points" if signed else f"{value * 100:.1f}%"
    if unit is Unit.COUNT:
        if float(value).is_integer():
            return f"{sign}{int(value):,}"
        return f"{sign}{value:,.1f}"
    if unit is Unit.HOURS:
        return f"{sign}{value:,.1f} hours"
    if unit is Unit.BUSINESS_DAYS:
        return f"{sign}{value:,.1f} business days"
    if unit is Unit.MONEY:
        return f"{sign}£{value:,.2f}"
    return f"{sign}{value:,.2f}"
