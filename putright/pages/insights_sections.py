"""What each section of the insights dashboard shows (issue 13 §3): figures from ``insights.metrics.measure``
for the period and the previous period of the same length, as tiles, charts (JSON for ``charts.js``) and
the tables behind them. A count of cases carries the link to the queue listing those cases; a rate says
its denominator; a satisfaction figure its response rate; a group with fewer than 5 answers is "too few";
a metric with an organisation target says whether the figure meets it. The change against the previous
period is an arrow, words and a sign (and a colour only beside them).

The number of queries a section makes is fixed: a trend is one measurement divided into parts
(``measure(bucket=…)``), whatever the period's length and the number of cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from putright.cases.models import UnresolvedReason
from putright.engines.metrics import BY_ID, Period, Unit, with_statistic
from putright.engines.metrics.catalogue import (
    CLOSED_IN_PERIOD,
    MEDIAN_BUSINESS_DAYS,
    P90_BUSINESS_DAYS,
    P90_HOURS,
    RESPONSE_RATE,
)
from putright.insights.behind import parts_of
from putright.insights.metrics import Measurement, Row, measure
from putright.insights.models import MetricTarget
from putright.insights.sql import AGE_BANDS, BUCKET_DAYS, Filters
from putright.pages.insights_filters import ClickThrough, period_words
from putright.vocab import Channel, RemedyType, SourceKind

REGIMES = {
    "service_levels": "Own service levels",
    "disp": "DISP (financial services)",
    "refund": "Refunds (consumer law)",
    "subject_access": "Subject access (GDPR)",
    "other": "Other",
}
VALUE_LABELS = {
    "channel": dict(Channel.choices),
    "source_kind": {v: f"{v}: {label}" for v, label in SourceKind.choices},
    "remedy_type": dict(RemedyType.choices),
    "regime": REGIMES,
    "age_band": {band: band.replace("_", " ").replace("-", "–") for band, _ in AGE_BANDS},
    "upheld": {
        "upheld": "Upheld",
        "partly": "Partly upheld",
        "not_upheld": "Not upheld",
        "not_recorded": "Not recorded",
    },
}
DIMENSION_WORDS = {"source_kind": "Source", "remedy_type": "Remedy", "age_band": "Age", "upheld": "Finding"}


@dataclass(frozen=True)
class Ask:
    span: Period
    filters: Filters
    links: ClickThrough
    now: datetime


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    # What the link lists, for a screen reader ("list the 12 cases").
    link_label: str = ""
    tone: str = ""  # "better" | "worse" | "" (a colour beside the words, never alone)
    numeric: bool = True


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


@dataclass
class Chart:
    id: str
    spec: dict

    @property
    def json(self) -> str:
        """The spec for ``charts.js``'s ``data-chart-json`` (the template escapes it for the attribute)."""
        return json.dumps(self.spec, default=float)


@dataclass
class Tile:
    title: str
    value: str
    detail: list[Cell]
    change: Cell
    target: Cell | None
    definition: str


@dataclass
class Section:
    intro: str = ""
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


# ---------------------------------------------------------------- words for numbers


def fmt(value, unit: Unit | str, metric_id: str = "") -> str:
    if value is None:
        return "—"
    unit = Unit(unit)
    if unit is Unit.RATE:
        return f"{value * 100:.1f}%"
    if unit is Unit.HOURS:
        return f"{value:,.1f} h"
    if unit is Unit.BUSINESS_DAYS:
        return f"{value:,.1f} business days"
    if unit is Unit.MONEY:
        return f"£{value:,.2f}"
    if unit is Unit.SCORE:
        return f"{value:+.0f}" if metric_id == "nps" else f"{value:.2f}"
    return f"{int(value):,}"


def value_label(group: str, names: dict[str, str] | None = None) -> str:
    """The words for a group: "category=delivery" → "delivery", "channel=web" → "Web form", "" → "All".
    ``names``: labels of values kept in the database (the reason codes' labels)."""
    if not group:
        return "All"
    dimension, _, value = group.partition("=")
    if value == "none":
        return {"handler": "Unassigned", "team": "No team", "category": "No category"}.get(dimension, "None")
    if names and value in names:
        return names[value]
    return VALUE_LABELS.get(dimension, {}).get(value, value.replace("_", " "))


def change(metric_id: str, now, before, unit: Unit | None = None) -> Cell:
    """The change against the previous period: arrow, sign and words; better or worse where the metric
    has a direction."""
    definition = BY_ID[metric_id]
    unit = unit or definition.unit
    if now is None or before is None:
        return Cell("No figure to compare", numeric=False)
    diff = now - before
    if abs(diff) < 1e-9:
        return Cell(f"→ no change from {fmt(before, unit, metric_id)}", numeric=False)
    up = diff > 0
    sign = "+" if up else "−"
    if unit is Unit.RATE:
        amount = f"{abs(diff) * 100:.1f} points"
    elif unit is Unit.COUNT:
        amount = f"{abs(int(diff)):,}" + (f" ({sign}{abs(diff) / before:.0%})" if before else "")
    else:
        amount = fmt(abs(diff), unit, metric_id).lstrip("+")
    tone = ""
    if definition.higher_is_better is not None:
        tone = "better" if up == definition.higher_is_better else "worse"
    words = f"{'▲ up' if up else '▼ down'} {sign}{amount} from {fmt(before, unit, metric_id)}"
    return Cell(words + (f", {tone}" if tone else ""), tone=tone, numeric=False)


def target_cell(metric_id: str, value, targets: dict[str, float]) -> Cell | None:
    target = targets.get(metric_id)
    if target is None:
        return None
    definition = BY_ID[metric_id]
    wanted = "at least" if definition.higher_is_better is not False else "at most"
    text = f"Target {wanted} {fmt(target, definition.unit, metric_id)}"
    if value is None:
        return Cell(f"{text}: no figure yet", numeric=False)
    met = value >= target if definition.higher_is_better is not False else value <= target
    return Cell(
        f"{text}: {'✓ met' if met else '✗ not met'}", tone="better" if met else "worse", numeric=False
    )


def reason_labels() -> dict[str, str]:
    return dict(UnresolvedReason.objects.values_list("code", "label"))


def targets() -> dict[str, float]:
    return dict(MetricTarget.objects.values_list("metric_id", "target"))


def by_group(measurement: Measurement) -> dict[str, Row]:
    return {row.group: row for row in measurement.rows}


def count_cell(
    ask: Ask, value, metric_id: str, part: str, group: str = "", span: Period | None = None
) -> Cell:
    """A count of cases, linked to the queue listing them."""
    if value is None:
        return Cell("—")
    n = int(value)
    href = ask.links.url(metric_id, part, group, span=span)
    what = parts_of(metric_id)[part][0]
    where = f", {value_label(group)}" if group else ""
    in_span = f", {period_words(span)}" if span else ""
    return Cell(
        f"{n:,}",
        href,
        f"List the {n:,} case{'s' if n != 1 else ''}: {BY_ID[metric_id].title}, {what}{where}{in_span}",
    )


# ---------------------------------------------------------------- shared pieces


def _measure(ask: Ask, metric_id: str, span: Period | None = None, group_by=None) -> Measurement:
    span = span or ask.span
    return measure(
        metric_id, start=span.start, end=span.end, filters=ask.filters, group_by=group_by, now=ask.now
    )


def bucket_size(span: Period) -> str:
    """The trend's parts: days up to a fortnight, weeks up to half a year, else 30 days (measure's names)."""
    return "day" if span.days <= 14 else "week" if span.days <= 183 else "month"


def buckets(span: Period) -> list[Period]:
    """Trend buckets across the period, as ``measure(bucket=bucket_size(span))`` divides it."""
    size = BUCKET_DAYS[bucket_size(span)]
    out = []
    start = span.start
    while start <= span.end:
        end = min(start + timedelta(days=size - 1), span.end)
        out.append(Period(start, end))
        start = end + timedelta(days=1)
    return out


def per_part(ask: Ask, metric_id: str, periods: list[Period], empty=None) -> list:
    """The metric's total in each part of the period: one measurement, its parts in one query (a part
    with nothing in it has no row: ``empty``)."""
    rows = by_group(
        measure(
            metric_id,
            start=ask.span.start,
            end=ask.span.end,
            filters=ask.filters,
            now=ask.now,
            bucket=bucket_size(ask.span),
        )
    )
    found = [rows.get(f"bucket={b.start.isoformat()}") for b in periods]
    return [empty if row is None else row.value for row in found]


def _bucket_label(bucket: Period) -> str:
    return bucket.start.isoformat()


def _spec(kind: str, title: str, labels: list[str], datasets: list[tuple[str, list]], x: str, y: str) -> dict:
    return {
        "type": kind,
        "title": title,
        "x_label": x,
        "y_label": y,
        "labels": labels,
        "datasets": [{"label": label, "data": data} for label, data in datasets],
    }


def _percent(value) -> float | None:
    return None if value is None else round(value * 100, 1)


def _rate_row(
    ask: Ask, metric_id: str, num_part: str, den_part: str, tg: dict, group: str = ""
) -> list[Cell]:
    now = by_group(_measure(ask, metric_id, group_by=group.partition("=")[0] or None)).get(group)
    before = by_group(
        _measure(ask, metric_id, ask.span.previous(), group_by=group.partition("=")[0] or None)
    ).get(group)
    definition = BY_ID[metric_id]
    value = now.value if now else None
    return [
        Cell(definition.title, numeric=False),
        Cell(fmt(value, Unit.RATE)),
        count_cell(ask, now.numerator if now else 0, metric_id, num_part, group),
        count_cell(ask, now.denominator if now else 0, metric_id, den_part, group),
        change(metric_id, value, before.value if before else None),
        target_cell(metric_id, value, tg) or Cell("No target", numeric=False),
    ]


# ---------------------------------------------------------------- the headline tiles


def _tile(ask: Ask, metric_id: str, tg: dict, detail: Callable[[dict[str, Row]], list[Cell]]) -> Tile:
    definition = BY_ID[metric_id]
    now = by_group(_measure(ask, metric_id))
    before = by_group(_measure(ask, metric_id, ask.span.previous()))
    value = now[""].value
    shown = fmt(value, definition.unit, metric_id)
    if value is None and definition.min_answers and (now[""].denominator or 0) < definition.min_answers:
        shown = "Too few answers"
    return Tile(
        title=definition.title,
        value=shown,
        detail=detail(now),
        change=change(metric_id, value, before[""].value),
        target=target_cell(metric_id, value, tg),
        definition=definition.definition,
    )


def headline(ask: Ask) -> Section:
    tg = targets()

    def duration(rows: dict[str, Row]) -> list[Cell]:
        return [
            Cell(
                f"90th percentile {fmt(rows[with_statistic('', P90_HOURS)].value, Unit.HOURS)};",
                numeric=False,
            ),
            Cell(
                f"median {fmt(rows[with_statistic('', MEDIAN_BUSINESS_DAYS)].value, Unit.BUSINESS_DAYS)}",
                numeric=False,
            ),
        ]

    def of(metric_id: str, counted: str, things: str, num_part: str = "", den_part: str = "") -> Callable:
        def detail(rows: dict[str, Row]) -> list[Cell]:
            r = rows[""]
            if not num_part:
                return [
                    Cell(f"{r.numerator or 0:,} {counted} of {r.denominator or 0:,} {things}", numeric=False)
                ]
            return [
                count_cell(ask, r.numerator, metric_id, num_part),
                Cell(f"{counted} of", numeric=False),
                count_cell(ask, r.denominator, metric_id, den_part),
                Cell(things, numeric=False),
            ]

        return detail

    def csat_detail(rows: dict[str, Row]) -> list[Cell]:
        r, rate = rows[""], rows[with_statistic("", RESPONSE_RATE)]
        return [
            count_cell(ask, r.numerator, "csat", "satisfied"),
            Cell("satisfied of", numeric=False),
            count_cell(ask, r.denominator, "csat", "answered"),
            Cell(f"answers; response rate {fmt(rate.value, Unit.RATE)}: answered of", numeric=False),
            count_cell(ask, rate.denominator, "csat", "asked"),
            Cell("asked", numeric=False),
        ]

    tiles = [
        _tile(
            ask,
            "volume",
            tg,
            lambda r: [count_cell(ask, r[""].value, "volume", "opened"), Cell("cases opened", numeric=False)],
        ),
        _tile(ask, "time_to_acknowledge", tg, duration),
        _tile(ask, "time_to_resolve", tg, duration),
        _tile(ask, "deadline_compliance", tg, of("deadline_compliance", "met in time", "clocks due")),
        _tile(ask, "promises_kept", tg, of("promises_kept", "kept", "promises due")),
        _tile(ask, "csat", tg, csat_detail),
        _tile(ask, "reopen_rate", tg, of("reopen_rate", "reopened", "cases closed", "reopened", "closed")),
    ]
    backlog_now = by_group(_measure(ask, "backlog_age"))[""].value
    backlog_before = by_group(_measure(ask, "backlog_age", ask.span.previous()))[""].value
    tiles.append(
        Tile(
            title="Backlog",
            value=fmt(backlog_now, Unit.COUNT),
            detail=[
                count_cell(ask, backlog_now, "backlog_age", "open"),
                Cell("cases open at the end of the period", numeric=False),
            ],
            change=change("backlog_age", backlog_now, backlog_before),
            target=target_cell("backlog_age", backlog_now, tg),
            definition=BY_ID["backlog_age"].definition,
        )
    )
    return Section(tiles=tiles)


# ---------------------------------------------------------------- breakdown tables


def breakdown(
    ask: Ask, metric_id: str, dimension: str, part: str | None, *, caption: str, previous: bool = True
) -> tuple[Table, list[tuple[str, Row]]]:
    """One row per value of ``dimension``: this period (linked when it counts cases), the previous, the
    change."""
    definition = BY_ID[metric_id]
    now = [
        (g, r)
        for g, r in by_group(_measure(ask, metric_id, group_by=dimension)).items()
        if g.startswith(f"{dimension}=") and ";" not in g
    ]
    if dimension == "age_band":  # youngest first, not in the order of the labels' letters
        order = [band for band, _ in AGE_BANDS]
        now.sort(key=lambda item: order.index(item[0].partition("=")[2]))
    before = by_group(_measure(ask, metric_id, ask.span.previous(), group_by=dimension)) if previous else {}
    names = reason_labels() if dimension == "reason" else None
    head = [DIMENSION_WORDS.get(dimension, dimension.replace("_", " ").capitalize()), "This period"]
    if definition.is_rate:  # a share of a whole: the cases counted, then the share
        head = [head[0], "Cases", f"Share of {definition.denominator}"]
    if previous:
        head += ["Previous period", "Change"]
    table = Table(caption, head)
    for g, r in now:
        if definition.is_rate:
            cells = [count_cell(ask, r.numerator, metric_id, part, g), Cell(fmt(r.value, Unit.RATE))]
        elif part:
            cells = [count_cell(ask, r.value, metric_id, part, g)]
        else:
            cells = [Cell(fmt(r.value, definition.unit, metric_id))]
        row = [Cell(value_label(g, names), numeric=False), *cells]
        if previous:
            b = before.get(g)
            row += [
                Cell(fmt(b.value if b else None, definition.unit, metric_id)),
                change(metric_id, r.value, b.value if b else None),
            ]
        table.rows.append(row)
    return table, now


def _bar(
    chart_id: str,
    title: str,
    rows: list[tuple[str, Row]],
    label: str,
    y: str,
    scale=lambda v: v,
    names: dict[str, str] | None = None,
) -> Chart:
    return Chart(
        chart_id,
        _spec(
            "bar",
            title,
            [value_label(g, names) for g, _ in rows],
            [(label, [scale(r.value) if r.value is not None else 0 for _, r in rows])],
            "",
            y,
        ),
    )


# ---------------------------------------------------------------- the sections


def volume(ask: Ask) -> Section:
    periods = buckets(ask.span)
    counts = per_part(ask, "volume", periods, empty=0)
    trend = Table(
        f"Cases opened, {period_words(ask.span)}, per {'day' if periods[0].days == 1 else 'period of ' + str(periods[0].days) + ' days'}",
        ["From", "To", "Cases opened"],
    )
    for b, n in zip(periods, counts, strict=True):
        trend.rows.append(
            [
                Cell(f"{b.start:%d %b}", numeric=False),
                Cell(f"{b.end:%d %b}", numeric=False),
                count_cell(ask, n, "volume", "opened", span=b),
            ]
        )
    chart = Chart(
        "volume-trend",
        _spec(
            "line",
            "Cases opened over the period",
            [_bucket_label(b) for b in periods],
            [("Cases opened", counts)],
            "From",
            "Cases",
        ),
    )
    tables = [trend]
    for dimension, words in (("source_kind", "source"), ("channel", "channel"), ("category", "category")):
        table, _ = breakdown(ask, "volume", dimension, "opened", caption=f"Cases opened by {words}")
        tables.append(table)
    return Section(intro=BY_ID["volume"].definition, charts=[chart], tables=tables)


def speed(ask: Ask) -> Section:
    tg = targets()
    periods = buckets(ask.span)
    datasets = []
    for metric_id in ("time_to_acknowledge", "time_to_resolve"):
        datasets.append(
            (
                f"{BY_ID[metric_id].title}, median hours",
                per_part(ask, metric_id, periods),
            )
        )
    chart = Chart(
        "speed-trend",
        _spec(
            "line",
            "Median hours over the period",
            [_bucket_label(b) for b in periods],
            datasets,
            "From",
            "Hours",
        ),
    )
    table = Table(
        "How fast: medians and 90th percentiles",
        [
            "Measure",
            "Median",
            "90th percentile",
            "Median (business days)",
            "90th percentile (business days)",
            "Change in the median",
            "Target",
        ],
    )
    for metric_id in ("time_to_acknowledge", "time_to_resolve", "approval_turnaround"):
        now = by_group(_measure(ask, metric_id))
        before = by_group(_measure(ask, metric_id, ask.span.previous()))
        value = now[""].value
        table.rows.append(
            [
                Cell(BY_ID[metric_id].title, numeric=False),
                Cell(fmt(value, Unit.HOURS)),
                Cell(fmt(now[with_statistic("", P90_HOURS)].value, Unit.HOURS)),
                Cell(fmt(now[with_statistic("", MEDIAN_BUSINESS_DAYS)].value, Unit.BUSINESS_DAYS)),
                Cell(fmt(now[with_statistic("", P90_BUSINESS_DAYS)].value, Unit.BUSINESS_DAYS)),
                change(metric_id, value, before[""].value),
                target_cell(metric_id, value, tg) or Cell("No target", numeric=False),
            ]
        )
    trend = Table("Median hours per part of the period", ["From", *[label for label, _ in datasets]])
    for i, b in enumerate(periods):
        trend.rows.append(
            [
                Cell(f"{b.start:%d %b}", numeric=False),
                *[Cell(fmt(data[i], Unit.HOURS)) for _, data in datasets],
            ]
        )
    return Section(
        intro="Acknowledged: the first message or logged contact by a person. Resolved: closed with the customer's confirmation.",
        charts=[chart],
        tables=[table, trend],
    )


def _rates_table(
    ask: Ask, metric_id: str, dimension: str, caption: str, things: str, tg: dict
) -> tuple[Table, list]:
    now = [
        (g, r)
        for g, r in by_group(_measure(ask, metric_id, group_by=dimension)).items()
        if g.startswith(f"{dimension}=")
    ]
    before = by_group(_measure(ask, metric_id, ask.span.previous(), group_by=dimension))
    table = Table(
        caption,
        [
            DIMENSION_WORDS.get(dimension, dimension.capitalize()),
            "Share",
            f"Met of {things}",
            "Previous period",
            "Change",
            "Target",
        ],
    )
    for g, r in now:
        b = before.get(g)
        table.rows.append(
            [
                Cell(value_label(g), numeric=False),
                Cell(fmt(r.value, Unit.RATE)),
                Cell(f"{r.numerator:,} of {r.denominator:,}"),
                Cell(fmt(b.value if b else None, Unit.RATE)),
                change(metric_id, r.value, b.value if b else None),
                target_cell(metric_id, r.value, tg) or Cell("No target", numeric=False),
            ]
        )
    return table, now


def deadlines(ask: Ask) -> Section:
    tg = targets()
    table, rows = _rates_table(
        ask, "deadline_compliance", "regime", "Deadlines met, by regime", "clocks due", tg
    )
    promises, _ = _rates_table(ask, "promises_kept", "team", "Promises kept, by team", "promises due", tg)
    chart = _bar("deadlines-regime", "Share of deadlines met, by regime", rows, "% met", "%", _percent)
    return Section(intro=BY_ID["deadline_compliance"].definition, charts=[chart], tables=[table, promises])


def satisfaction(ask: Ask) -> Section:
    tg = targets()
    measured = {m: by_group(_measure(ask, m, group_by="team")) for m in ("csat", "ces", "nps")}
    groups = [g for g in measured["csat"] if "statistic=" not in g]
    table = Table(
        "Satisfaction by team",
        ["Team", "CSAT", "Satisfied", "Answers", "Asked", "Response rate", "Effort (CES, 1–7)", "NPS"],
    )
    chart_rows = []
    for g in groups:
        csat, rate = measured["csat"][g], measured["csat"][with_statistic(g, RESPONSE_RATE)]
        too_few = (csat.denominator or 0) < BY_ID["csat"].min_answers
        score = f"Too few answers ({csat.denominator})" if too_few else fmt(csat.value, Unit.RATE)
        if not too_few and g:
            chart_rows.append((g, csat))
        cells = [
            Cell(value_label(g) if g else "All teams", numeric=False),
            Cell(score, numeric=not too_few),
            count_cell(ask, csat.numerator, "csat", "satisfied", g),
            count_cell(ask, csat.denominator, "csat", "answered", g),
            count_cell(ask, rate.denominator, "csat", "asked", g),
            Cell(fmt(rate.value, Unit.RATE)),
        ]
        for m in ("ces", "nps"):
            r = measured[m].get(g)
            few = r is None or (r.denominator or 0) < BY_ID[m].min_answers
            cells.append(
                Cell(
                    f"Too few answers ({r.denominator if r else 0})" if few else fmt(r.value, Unit.SCORE, m),
                    numeric=not few,
                )
            )
        table.rows.append(cells)
    previous = by_group(_measure(ask, "csat", ask.span.previous()))[""]
    total = measured["csat"][""]
    summary = Table(
        "Satisfaction against the previous period",
        ["Measure", "This period", "Previous period", "Change", "Target"],
    )
    for m in ("csat", "ces", "nps"):
        before = previous if m == "csat" else by_group(_measure(ask, m, ask.span.previous()))[""]
        now = total if m == "csat" else measured[m][""]
        summary.rows.append(
            [
                Cell(BY_ID[m].title, numeric=False),
                Cell(
                    fmt(now.value, BY_ID[m].unit, m)
                    if now.value is not None
                    else f"Too few answers ({now.denominator})"
                ),
                Cell(
                    fmt(before.value, BY_ID[m].unit, m)
                    if before.value is not None
                    else f"Too few answers ({before.denominator})"
                ),
                change(m, now.value, before.value),
                target_cell(m, now.value, tg) or Cell("No target", numeric=False),
            ]
        )
    chart = _bar(
        "satisfaction-team",
        "CSAT by team (teams with at least 5 answers)",
        chart_rows,
        "% satisfied",
        "%",
        _percent,
    )
    return Section(
        intro="Satisfied: 4 or 5 of 5. A team with fewer than 5 answers shows “too few”: so few answers say little.",
        charts=[chart],
        tables=[summary, table],
    )


def outcomes(ask: Ask) -> Section:
    tg = targets()
    reasons, rows = breakdown(
        ask, "unresolved_outcomes", "reason", "unresolved", caption="Closed unresolved, by reason"
    )
    routes, _ = breakdown(
        ask,
        "unresolved_outcomes",
        "route",
        None,
        caption="Closed unresolved, by route given (a case may give several)",
    )
    found, _ = breakdown(
        ask, "upheld", "upheld", "recorded", caption="Closed complaints by finding", previous=False
    )
    rates = Table(
        "Rates, each with its denominator", ["Measure", "Rate", "Counted", "Of", "Change", "Target"]
    )
    for metric_id, num, den in (
        ("reopen_rate", "reopened", "closed"),
        ("first_contact_resolution", "first_contact", "resolved"),
        ("escalation_rate", "escalated", "opened"),
        ("repeated_problem_share", "linked", "opened"),
        ("upheld", "upheld", "recorded"),
    ):
        rates.rows.append(_rate_row(ask, metric_id, num, den, tg))
    chart = _bar(
        "outcomes-reason", "Closed unresolved, by reason", rows, "Cases", "Cases", names=reason_labels()
    )
    return Section(
        intro=BY_ID["unresolved_outcomes"].definition, charts=[chart], tables=[rates, reasons, routes, found]
    )


def remedies(ask: Ask) -> Section:
    money, rows = breakdown(ask, "remedy_cost", "remedy_type", None, caption="Money agreed, by remedy")
    by_category, _ = breakdown(ask, "remedy_cost", "category", None, caption="Money agreed, by category")
    chart = _bar("remedies-type", "Money agreed, by remedy", rows, "£ agreed", "£", lambda v: float(v))
    return Section(intro=BY_ID["remedy_cost"].definition, charts=[chart], tables=[money, by_category])


def workload(ask: Ask) -> Section:
    found = by_group(_measure(ask, "workload", group_by="handler"))
    handlers = [g for g in found if g.startswith("handler=") and ";" not in g]
    table = Table("Open and closed cases per handler", ["Handler", "Open at the end", "Closed in the period"])
    open_, closed = [], []
    for g in handlers:
        c = found[with_statistic(g, CLOSED_IN_PERIOD)]
        open_.append(found[g].value)
        closed.append(c.value)
        table.rows.append(
            [
                Cell(value_label(g), numeric=False),
                count_cell(ask, found[g].value, "workload", "open", g),
                count_cell(ask, c.value, "workload", "closed", g),
            ]
        )
    total, total_closed = found[""], found[with_statistic("", CLOSED_IN_PERIOD)]
    table.rows.append(
        [
            Cell("All handlers", numeric=False),
            count_cell(ask, total.value, "workload", "open"),
            count_cell(ask, total_closed.value, "workload", "closed"),
        ]
    )
    chart = Chart(
        "workload-handler",
        _spec(
            "bar",
            "Cases per handler",
            [value_label(g) for g in handlers],
            [("Open at the end", open_), ("Closed in the period", closed)],
            "Handler",
            "Cases",
        ),
    )
    return Section(intro=BY_ID["workload"].definition, charts=[chart], tables=[table])


def backlog(ask: Ask) -> Section:
    table, rows = breakdown(
        ask, "backlog_age", "age_band", "open", caption="Cases open at the end of the period, by age"
    )
    chart = _bar("backlog-age", "Open cases by age", rows, "Open cases", "Cases")
    return Section(intro=BY_ID["backlog_age"].definition, charts=[chart], tables=[table])


SECTIONS: list[tuple[str, str, Callable[[Ask], Section]]] = [
    ("headline", "Headline figures", headline),
    ("volume", "Cases opened", volume),
    ("speed", "How fast", speed),
    ("deadlines", "Deadlines and promises", deadlines),
    ("satisfaction", "Satisfaction", satisfaction),
    ("outcomes", "Outcomes", outcomes),
    ("remedies", "Cost of remedies", remedies),
    ("workload", "Workload", workload),
    ("backlog", "Backlog", backlog),
]
