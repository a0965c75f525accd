"""Q1: the handling scorecard: one closed case's record checked against the standard. Pure: no Django."""

from putright.engines.quality.scorecard import (
    CHECK_IDS,
    CHECK_TITLES,
    ENGINE_VERSION,
    AuthorityFacts,
    CaseRecord,
    CheckOutcome,
    OptionFacts,
    Outcome,
    PromiseFacts,
    Result,
    StepFacts,
    TimelineEvent,
    score,
)

__all__ = [
    "CHECK_IDS",
    "CHECK_TITLES",
    "ENGINE_VERSION",
    "AuthorityFacts",
    "CaseRecord",
    "CheckOutcome",
    "OptionFacts",
    "Outcome",
    "PromiseFacts",
    "Result",
    "StepFacts",
    "TimelineEvent",
    "score",
]
