"""The feedback feed (S4): satisfaction answers, survey responses and shared notes, with themes. A room
that extends the case: it may import ``cases`` and what lies below it; it subscribes to the case hooks.
"""
