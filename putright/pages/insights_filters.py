"""The insights dashboard's filters (issue 13 §3) and the click-through from a figure to the queue.

One GET form serves the dashboard, each of its fragments and the queue's "cases behind" banner: the
period (last 7/30/90 days, this or last month, this or last quarter, or from–to), a team and a handler
(limited to what the person may see: ``insights.access``), a category, a channel and a source kind.
Bad input is a clear message and a 400; another team's figures are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from putright.authority.models import Team
from putright.authority.selectors import staff_users
from putright.cases.models import Category
from putright.engines.metrics import Period
from putright.insights.sql import Filters
from putright.vocab import Channel, SourceKind

# The longest period one page may measure (as the API: a decade).
MAX_DAYS = 3660
# Dates a period may name (as the API's): the previous period and the day after stay real dates.
MIN_YEAR, MAX_YEAR = 2000, 2999
PERIODS = [
    ("last_7", "Last 7 days"),
    ("last_30", "Last 30 days"),
    ("last_90", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("custom", "From – to (below)"),
]
DEFAULT_PERIOD = "last_30"
# The parameters the filter form reads: carried into every fragment and click-through link.
FILTER_KEYS = ("period", "from", "to", "team", "handler", "category", "channel", "source_kind")


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def named_period(name: str, today: date) -> Period:
    """A named period ending today (or the whole last month or quarter)."""
    if name.startswith("last_") and name[5:].isdigit():
        days = int(name[5:])
        return Period(today - timedelta(days=days - 1), today)
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if name == "this_quarter":
        return Period(_quarter_start(today), today)
    if name == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return Period(_quarter_start(end), end)
    raise ValueError(f"unknown period {name!r}")


def period_words(period: Period) -> str:
    """ "1–31 Jul 2026", "28 Jun – 4 Jul 2026", "1 Dec 2025 – 31 Jan 2026"."""
    s, e = period.start, period.end
    if s == e:
        return f"{e.day} {e:%b %Y}"
    if (s.year, s.month) == (e.year, e.month):
        return f"{s.day}–{e.day} {e:%b %Y}"
    if s.year == e.year:
        return f"{s.day} {s:%b} – {e.day} {e:%b %Y}"
    return f"{s.day} {s:%b %Y} – {e.day} {e:%b %Y}"


def visible_teams(scope: tuple[int, ...] | None):
    teams = Team.objects.order_by("name")
    return teams if scope is None else teams.filter(pk__in=scope)


def visible_handlers(user, scope: tuple[int, ...] | None):
    """Whose figures a person may filter on: everyone on staff for managers; the members and leads of
    their own teams (themselves among them) for the others."""
    people = staff_users()
    if scope is None:
        return people
    return people.filter(Q(teams__in=scope) | Q(teams_led__in=scope) | Q(pk=user.pk)).distinct()


class InsightFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period")
    team = forms.ChoiceField(required=False, label="Team")
    handler = forms.ChoiceField(required=False, label="Handler")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Any category",
        label="Category",
    )
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False, label="Channel"
    )
    source_kind = forms.ChoiceField(
        choices=[("", "Any source"), *((v, f"{v}: {label}") for v, label in SourceKind.choices)],
        required=False,
        label="Source",
    )

    def __init__(self, data, *, user, scope: tuple[int, ...] | None, today: date):
        super().__init__(data, auto_id="id_%s")
        self.today = today
        self.fields["from"] = forms.DateField(
            required=False, label="From", help_text="With “From – to”: the first day, e.g. 2026-07-01."
        )
        self.fields["to"] = forms.DateField(
            required=False, label="To", help_text="The last day, e.g. 2026-07-31."
        )
        for name in ("from", "to"):
            self.fields[name].widget.input_type = "date"
        # Keep the order a person reads: period, dates, then the narrowing filters.
        self.order_fields(["period", "from", "to", "team", "handler", "category", "channel", "source_kind"])
        every = "Any team" if scope is None else "All my teams"
        self.fields["team"].choices = [("", every)] + [(str(t.pk), t.name) for t in visible_teams(scope)]
        self.fields["handler"].choices = [("", "Anyone")] + [
            (u.username, u.get_full_name() or u.username) for u in visible_handlers(user, scope)
        ]

    def clean(self):
        data = super().clean()
        name = data.get("period") or DEFAULT_PERIOD
        start, end = data.get("from"), data.get("to")
        if name == "custom" or (start or end) and not self.data.get("period"):
            if not start or not end:
                raise forms.ValidationError("Give both dates, From and To, for a period of your own.")
            if not (MIN_YEAR <= start.year <= MAX_YEAR and MIN_YEAR <= end.year <= MAX_YEAR):
                raise forms.ValidationError(f"Give dates in the years {MIN_YEAR} to {MAX_YEAR}.")
            if start > end:
                raise forms.ValidationError(f"From ({start:%d %b %Y}) is after To ({end:%d %b %Y}).")
            period = Period(start, end)
            if period.days > MAX_DAYS:
                raise forms.ValidationError(f"A period may be at most {MAX_DAYS} days.")
            name = "custom"
        else:
            period = named_period(name, self.today)
        data["period"] = name
        data["span"] = period
        return data

    def filters(self, scope: tuple[int, ...] | None) -> Filters:
        data = self.cleaned_data
        handler = None
        if data.get("handler"):
            handler = (
                get_user_model().objects.filter(username=data["handler"]).values_list("pk", flat=True).first()
            )
        return Filters(
            team=int(data["team"]) if data.get("team") else None,
            handler=handler,
            category=data["category"].slug if data.get("category") else "",
            channel=data.get("channel") or "",
            source_kind=data.get("source_kind") or "",
            team_ids=scope,
        )

    def carried(self) -> dict[str, str]:
        """The filter as explicit parameters: a click-through names its dates, so it lists the same cases
        tomorrow."""
        data = self.cleaned_data
        span: Period = data["span"]
        out = {"period": "custom", "from": span.start.isoformat(), "to": span.end.isoformat()}
        for key in ("team", "handler", "channel", "source_kind"):
            if data.get(key):
                out[key] = str(data[key])
        if data.get("category"):
            out["category"] = data["category"].slug
        return out

    def query(self) -> str:
        """The filter as the person chose it (a named period stays named), for the fragments' URLs."""
        data = self.cleaned_data
        out = {"period": data["period"]}
        if data["period"] == "custom":
            out.update({"from": data["span"].start.isoformat(), "to": data["span"].end.isoformat()})
        out.update({k: v for k, v in self.carried().items() if k not in ("period", "from", "to")})
        return urlencode(out)

    def error_messages(self) -> list[str]:
        found = list(self.non_field_errors())
        for name, errors in self.errors.items():
            if name != "__all__":
                label = self.fields[name].label
                found.extend(f"{label}: {e}" for e in errors)
        return found


@dataclass(frozen=True)
class ClickThrough:
    """Where a count of cases links: the queue, listing exactly those cases."""

    carried: dict[str, str]

    def url(self, metric_id: str, part: str, group: str = "", span: Period | None = None) -> str:
        params = {"insight": metric_id, "part": part, **self.carried}
        if span is not None:  # a part of the period (a trend's bucket)
            params.update({"from": span.start.isoformat(), "to": span.end.isoformat()})
        if group:
            params["group"] = group
        return f"{reverse('cases:queue')}?{urlencode(params)}"


def insight_params(params: QueryDict) -> QueryDict:
    """Only the filter's own parameters (the queue's other filters are left to the queue)."""
    out = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if key in params:
            out[key] = params[key]
    return out
