"""The task queues, each served by its own worker, so an acknowledgement never waits behind analysis."""

from __future__ import annotations

MAIL = "mail"  # e-mail to customers and colleagues, breach notices: short, and someone is waiting
ANALYSIS = "analysis"  # repeated-problem analysis, regrouping, signals and the periodic sweep

ALL = (MAIL, ANALYSIS)
