"""Quality of handling (PRODUCT.md Q1–Q2, issue 14 §4): each case's scorecard against the standard, scored
from its own record when it closes (a subscriber to the case core's lifecycle hook), disputes of failed
checks, and the coverage view per handler and team aggregated from the stored check rows.

May import: ``cases`` and the layers below it; imported by ``improvements`` and the interfaces.
"""
