"""Operational signals (S5): thresholds that open a problem before customers complain, and proactive
notices. Above ``problems`` (a breach opens one): it may import ``problems``, ``cases`` and below.
"""
