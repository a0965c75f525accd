"""The metrics catalogue (issue 13 §2): what each metric means, in plain values. Pure: no Django.

Every figure the dashboards, the exports, the API and the improvement baselines show is one of these,
computed by ``putright.insights.metrics.measure`` from the case record. A metric's rows are grouped by a
dimension (``group`` "" for the total, ``dimension=value`` otherwise); a row that carries a secondary
figure of the same metric (a 90th percentile beside the median, the response rate beside a score) adds
``;statistic=NAME`` to its group, e.g. ``category=delivery;statistic=p90_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    COUNT = "count"
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"
    RATE = "rate"  # a fraction 0–1
    SCORE = "score"
    MONEY = "money"


class Test(StrEnum):
    """The statistical test a comparison of two periods (or a baseline and after) would use."""

    TWO_PROPORTION = "two_proportion_z"
    MANN_WHITNEY_U = "mann_whitney_u"
    POISSON_RATE = "poisson_rate"


class Dimension(StrEnum):
    TEAM = "team"
    HANDLER = "handler"
    CATEGORY = "category"
    CHANNEL = "channel"
    SOURCE_KIND = "source_kind"
    PRIORITY = "priority"
    OUTCOME = "outcome"
    REGIME = "regime"
    REMEDY_TYPE = "remedy_type"
    REASON = "reason"
    ROUTE = "route"
    UPHELD = "upheld"
    AGE_BAND = "age_band"


# The dimensions every case-based metric can be grouped by (and filtered on, but priority and outcome).
CASE_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension.TEAM,
    Dimension.HANDLER,
    Dimension.CATEGORY,
    Dimension.CHANNEL,
    Dimension.SOURCE_KIND,
    Dimension.PRIORITY,
)

STATISTIC = "statistic"
# Secondary figures a row may carry (the ``;statistic=…`` suffix of its group).
P90_HOURS = "p90_hours"
MEDIAN_BUSINESS_DAYS = "median_business_days"
P90_BUSINESS_DAYS = "p90_business_days"
RESPONSE_RATE = "response_rate"
CLOSED_IN_PERIOD = "closed_in_period"
PREVIOUS_PERIOD = "previous_period"


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    definition: str
    numerator: str
    denominator: str
    unit: Unit
    higher_is_better: bool | None  # None: neither (a volume is not good or bad in itself)
    test: Test
    dimensions: tuple[Dimension, ...]
    # The dimensions the export writes rows for (beside the total).
    natural_dimensions: tuple[Dimension, ...] = ()
    # Secondary figures (``statistic=``) each group also carries.
    statistics: tuple[str, ...] = ()
    # Scores: a group with fewer answers than this is "too few" (value empty).
    min_answers: int = 0

    @property
    def is_rate(self) -> bool:
        return self.unit is Unit.RATE


TOO_FEW = 5


def _d(*extra: Dimension) -> tuple[Dimension, ...]:
    return CASE_DIMENSIONS + tuple(extra)


_DURATION_STATS = (P90_HOURS, MEDIAN_BUSINESS_DAYS, P90_BUSINESS_DAYS)

METRICS: tuple[Metric, ...] = (
    Metric(
        "volume",
        "Cases opened",
        "Cases opened in the period (closed duplicates excluded).",
        "cases opened",
        "—",
        Unit.COUNT,
        None,
        Test.POISSON_RATE,
        _d(),
        (Dimension.SOURCE_KIND, Dimension.CATEGORY, Dimension.CHANNEL),
    ),
    Metric(
        "time_to_acknowledge",
        "Time to acknowledge",
        "Median time from receipt to the first message or logged contact by a person (the automatic "
        "'we have your report' does not count), for cases opened in the period; with the 90th percentile "
        "and both in business days.",
        "—",
        "—",
        Unit.HOURS,
        False,
        Test.MANN_WHITNEY_U,
        _d(),
        (Dimension.CHANNEL, Dimension.CATEGORY),
        _DURATION_STATS,
    ),
    Metric(
        "time_to_resolve",
        "Time to resolve",
        "Median time from receipt to closing, for cases closed resolved in the period (the customer "
        "confirmed it); 'resolved, no reply' is kept apart in the outcome rows; with the 90th percentile "
        "and both in business days.",
        "—",
        "—",
        Unit.HOURS,
        False,
        Test.MANN_WHITNEY_U,
        _d(Dimension.OUTCOME),
        (Dimension.CATEGORY, Dimension.OUTCOME),
        _DURATION_STATS,
    ),
    Metric(
        "first_contact_resolution",
        "First contact resolution",
        "Cases closed resolved in the period with no further contact from the customer (a message on the "
        "case or a new case) within the repeat-contact window after closing, of all closed resolved.",
        "resolved with no further customer contact within the window",
        "cases closed resolved in the period",
        Unit.RATE,
        True,
        Test.TWO_PROPORTION,
        _d(),
        (Dimension.CATEGORY, Dimension.CHANNEL),
    ),
    Metric(
        "reopen_rate",
        "Reopen rate",
        "Cases closed in the period that were reopened within the reopen window after they were first "
        "put right, of all cases closed in the period.",
        "cases reopened within the window",
        "cases closed in the period",
        Unit.RATE,
        False,
        Test.TWO_PROPORTION,
        _d(Dimension.OUTCOME),
        (Dimension.CATEGORY,),
    ),
    Metric(
        "csat",
        "Satisfaction (CSAT)",
        "Satisfied answers (4 or 5 of 5) of all CSAT answers, for checks asked in the period; with the "
        "response rate (answered of asked).",
        "answers of 4 or 5",
        "CSAT answers",
        Unit.RATE,
        True,
        Test.TWO_PROPORTION,
        _d(),
        (Dimension.CATEGORY, Dimension.TEAM),
        (RESPONSE_RATE,),
        TOO_FEW,
    ),
    Metric(
        "ces",
        "Customer effort (CES)",
        "Mean effort score (1–7, lower is less effort), for checks asked in the period; numerator is the "
        "sum of scores; with the response rate.",
        "sum of effort scores",
        "CES answers",
        Unit.SCORE,
        False,
        Test.MANN_WHITNEY_U,
        _d(),
        (Dimension.CATEGORY, Dimension.TEAM),
        (RESPONSE_RATE,),
        TOO_FEW,
    ),
    Metric(
        "nps",
        "Net promoter score (NPS)",
        "% promoters (9–10) minus % detractors (0–6), −100 to 100, for checks asked in the period; "
        "numerator is promoters minus detractors; with the response rate.",
        "promoters minus detractors",
        "NPS answers",
        Unit.SCORE,
        True,
        Test.MANN_WHITNEY_U,
        _d(),
        (Dimension.CATEGORY, Dimension.TEAM),
        (RESPONSE_RATE,),
        TOO_FEW,
    ),
    Metric(
        "promises_kept",
        "Promises kept",
        "Promises due in the period kept by their due time, of those due (withdrawn ones and those not "
        "yet due excluded).",
        "promises kept by their due time",
        "promises due in the period",
        Unit.RATE,
        True,
        Test.TWO_PROPORTION,
        _d(),
        (Dimension.TEAM,),
    ),
    Metric(
        "deadline_compliance",
        "Deadlines met",
        "Clocks due in the period met by their due time, of those due, per regime (own service levels, "
        "DISP, refund, subject access); stopped clocks and the DISP summary window excluded.",
        "clocks met in time",
        "clocks due in the period",
        Unit.RATE,
        True,
        Test.TWO_PROPORTION,
        _d(Dimension.REGIME),
        (Dimension.REGIME,),
    ),
    Metric(
        "escalation_rate",
        "Escalation rate",
        "Cases opened in the period that were escalated, of all cases opened.",
        "cases escalated",
        "cases opened in the period",
        Unit.RATE,
        False,
        Test.TWO_PROPORTION,
        _d(),
        (Dimension.CATEGORY, Dimension.TEAM),
    ),
    Metric(
        "approval_turnaround",
        "Approval turnaround",
        "Median time from an approval request to its decision, for approvals decided in the period; with "
        "the 90th percentile and both in business days.",
        "—",
        "—",
        Unit.HOURS,
        False,
        Test.MANN_WHITNEY_U,
        _d(),
        (Dimension.TEAM,),
        _DURATION_STATS,
    ),
    Metric(
        "unresolved_outcomes",
        "Closed unresolved",
        "Cases closed unresolved in the period, by reason code and by route given; the denominator is "
        "every case closed in the period.",
        "cases closed unresolved",
        "cases closed in the period",
        Unit.COUNT,
        False,
        Test.POISSON_RATE,
        _d(Dimension.REASON, Dimension.ROUTE),
        (Dimension.REASON, Dimension.ROUTE),
    ),
    Metric(
        "upheld",
        "Complaints upheld",
        "Cases closed in the period found upheld or partly upheld, of those with the finding recorded; "
        "by finding, each share of those recorded.",
        "upheld or partly upheld",
        "closed with a finding recorded",
        Unit.RATE,
        None,
        Test.TWO_PROPORTION,
        _d(Dimension.UPHELD),
        (Dimension.UPHELD,),
    ),
    Metric(
        "remedy_cost",
        "Cost of remedies",
        "Money agreed with customers (agreed options) on cases closed in the period; numerator is the "
        "number of agreed options.",
        "agreed options",
        "—",
        Unit.MONEY,
        False,
        Test.MANN_WHITNEY_U,
        _d(Dimension.REMEDY_TYPE),
        (Dimension.REMEDY_TYPE, Dimension.CATEGORY),
    ),
    Metric(
        "backlog_age",
        "Backlog by age",
        "Cases open at the end of the period, by how long they had been open.",
        "open cases",
        "—",
        Unit.COUNT,
        False,
        Test.POISSON_RATE,
        _d(Dimension.AGE_BAND),
        (Dimension.AGE_BAND,),
    ),
    Metric(
        "workload",
        "Workload",
        "Cases open at the end of the period per handler; with the cases each closed in the period.",
        "open cases",
        "—",
        Unit.COUNT,
        None,
        Test.POISSON_RATE,
        _d(),
        (Dimension.HANDLER,),
        (CLOSED_IN_PERIOD,),
    ),
    Metric(
        "repeated_problem_share",
        "Repeated problems",
        "Cases opened in the period linked to a problem (repeated or known), of all cases opened.",
        "cases linked to a problem",
        "cases opened in the period",
        Unit.RATE,
        False,
        Test.TWO_PROPORTION,
        _d(),
        (Dimension.CATEGORY,),
    ),
    Metric(
        "expectation_gaps",
        "Expectation gaps",
        "Cases opened in the period whose source is a gap between expectations and the offer (kind c); "
        "with the previous period's count (the trend) and the latest examples (group example=REFERENCE).",
        "cases of kind c",
        "—",
        Unit.COUNT,
        False,
        Test.POISSON_RATE,
        _d(),
        (Dimension.CATEGORY,),
        (PREVIOUS_PERIOD,),
    ),
    Metric(
        "service_recovery",
        "Service recovery",
        "Satisfaction (CSAT 4–5 of answers) of customers whose complaint was resolved, beside those who "
        "never complained (a survey baseline); the row baseline=none_yet says there is no baseline yet.",
        "answers of 4 or 5 after a resolved complaint",
        "CSAT answers after a resolved complaint",
        Unit.RATE,
        True,
        Test.TWO_PROPORTION,
        _d(),
        (),
        (),
        TOO_FEW,
    ),
)

BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}


def metric(metric_id: str) -> Metric:
    """The metric with this id; KeyError names the ids there are."""
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}; the catalogue has: {', '.join(BY_ID)}") from None
