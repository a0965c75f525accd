"""The queue's table (issue 12 §3): which cases, in which order, and what each row and column header shows.

Every column is worked out in the one query that reads the page of cases: the next deadline is a
subquery over the clocks and promises (``regulation.selectors.next_deadline_at``), the team a join.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import QueryDict

from putright.cases import selectors
from putright.regulation.selectors import next_deadline_at
from putright.search.query import SearchResults, SearchTerm, cases_matching
from putright.vocab import QUEUE_SORTS

# Sortable columns: (column, header, the sort its first click gives, the other direction).
SORTABLE = {
    "reference": ("reference", "-reference"),
    "priority": ("priority", "-priority"),
    "deadline": ("deadline", "-deadline"),
    "activity": ("activity", "-activity"),
    "age": ("oldest", "newest"),
    "assignee": ("assignee", "-assignee"),
}
COLUMNS = [
    ("reference", "Reference"),
    ("subject", "Subject and customer"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("deadline", "Next deadline"),
    ("activity", "Last activity"),
    ("age", "Age"),
    ("assignee", "Assignee"),
    ("team", "Team"),
]
# Due within this long: flagged as due soon.
DUE_SOON = timedelta(hours=24)


def queue_cases(
    *, user, filters: selectors.QueueFilters, search: SearchTerm, sort_chosen: bool
) -> tuple[QuerySet | SearchResults, bool]:
    """The queue for ``user``: filtered, searched, with ``next_deadline_at`` and the team, in order; and
    whether a search found more than it lists (``SearchResults.capped``: the best 1,000 are listed).

    A search ranks the best match first, unless a sort was chosen (a column header clicked while
    searching): then the sort decides and the search only narrows.
    """
    cases = selectors.case_queue(user=user, filters=filters, next_deadline=next_deadline_at())
    found = cases_matching(cases.select_related("team"), search)
    if not isinstance(found, SearchResults):
        return found, False
    if sort_chosen:
        # The chosen order decides, over every match listed: the search only narrows.
        ids = found.ids()
        return selectors.queue_sort(
            cases.select_related("team").filter(pk__in=ids), filters.sort
        ), found.capped
    return found, found.capped


def span(delta: timedelta) -> str:
    """A short, readable length of time, rounded down: "40 min", "5 h", "47 h", "3 d", "6 wk"."""
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    if seconds < 86400 * 14:
        return f"{int(seconds // 86400)} d"
    return f"{int(seconds // (86400 * 7))} wk"


def queue_rows_decorate(cases, now: datetime) -> None:
    """What each row shows beside its fields, worked out from the row itself: no query per row."""
    cutoff = selectors.cadence_cutoff(now)
    for case in cases:
        # A4: the customer has waited too long for news.
        case.not_updated = not case.is_closed and case.last_customer_update_at < cutoff
        due = getattr(case, "next_deadline_at", None)
        case.deadline_state = (
            "" if due is None else "overdue" if due < now else "soon" if due - now < DUE_SOON else "later"
        )
        case.deadline_span = span(due - now) if due is not None else ""
        case.activity_span = span(now - case.updated_at)
        case.age_span = span(now - case.created_at)


def queue_columns(params: QueryDict, sort: str) -> list[dict]:
    """The table's headers: a sortable one links to the same queue (filters kept, back to page 1) sorted
    by it, the other way round when it is the current order, and says how it is sorted (``aria-sort``)."""
    _, current_column, direction = QUEUE_SORTS[sort]
    columns = []
    for key, label in COLUMNS:
        column = {"key": key, "label": label, "href": "", "aria_sort": "", "next_label": ""}
        if key in SORTABLE:
            first, other = SORTABLE[key]
            target = other if sort == first else first
            query = params.copy()
            query.pop("page", None)
            query["sort"] = target
            column["href"] = "?" + query.urlencode()
            column["next_label"] = QUEUE_SORTS[target][0]
            if key == current_column:
                column["aria_sort"] = direction
        columns.append(column)
    return columns


def active_filters(form) -> list[str]:
    """The filters in force, in words, for the collapsed filter bar ("Status: New", "Overdue promises")."""
    if not form.is_bound or not form.is_valid():
        return []
    shown = []
    for name, field in form.fields.items():
        if name in ("q", "sort", "scope"):
            continue
        value = form.cleaned_data.get(name)
        if not value:
            continue
        if value is True:
            shown.append(str(field.label))
        else:
            choices = dict(getattr(field, "choices", []))
            shown.append(f"{field.label or name.title()}: {choices.get(value, value)}")
    return shown
