"""Regimes and deadlines (E4, P5, A6): regulators' and service-level clocks on the UK calendars, and the
final response letter. A room that extends the case: it may import ``cases`` and below; it subscribes to
the case hooks (clocks start on the report, on a refund agreed, in the sweep).
"""
