"""The one way in for problems: open, link, unlink, merge, move through ITIL's stages, assign, route.

Every function checks who may act (``actor`` None is the system: similarity grouping, signals, the
regrouping command), locks the problem row, changes it, appends to the problem's own history
(``ProblemEvent``) and, for each case it touches, writes on that case's hash-chained timeline under
the case lock. Alerts to the owner (in the app and by email) go through the channels app and are
sent after commit.

S3 lives here too: ``case_group`` compares a new case's own words with recent cases from every
customer and links it to an open problem or raises a suspected one; ``problems_regroup`` does the
same for the whole history in one batch.

Growth alerts (documented for owners): the owner is alerted when a problem is first suspected; again
each time its number of cases reaches double the number at their last alert (5 → 10 → 20 …, never
below the minimum group size); and when ``PROBLEM_GROWTH_PER_DAY`` or more cases join it within 24
hours, at most once a day. Each step alerts exactly once.

The modules: ``lifecycle`` (open, link, merge, stages, owners), ``grouping`` (S3 for one case),
``regroup`` (S3 for the whole history); ``_common`` holds the steps they share. Callers keep one
import path: ``from putright.problems import services``.
"""

from __future__ import annotations

from putright.problems.services._common import (
    ALERT_ASSIGNED,
    ALERT_GROWING,
    ALERT_SUSPECTED,
    may_handle,
)
from putright.problems.services.grouping import (
    S3_THRESHOLDS,
    GroupOutcome,
    case_analyse,
    case_group,
    case_words,
)
from putright.problems.services.lifecycle import (
    owner_route_remove,
    owner_route_set,
    problem_assign,
    problem_link_case,
    problem_merge,
    problem_open,
    problem_transition,
    problem_unlink_case,
)
from putright.problems.services.regroup import (
    RegroupResult,
    problems_regroup,
    regroup,
    regroup_run_open,
    regroup_start,
)

__all__ = [
    "ALERT_ASSIGNED",
    "ALERT_GROWING",
    "ALERT_SUSPECTED",
    "GroupOutcome",
    "RegroupResult",
    "S3_THRESHOLDS",
    "case_analyse",
    "case_group",
    "case_words",
    "may_handle",
    "owner_route_remove",
    "owner_route_set",
    "problem_assign",
    "problem_link_case",
    "problem_merge",
    "problem_open",
    "problem_transition",
    "problem_unlink_case",
    "problems_regroup",
    "regroup",
    "regroup_run_open",
    "regroup_start",
]
