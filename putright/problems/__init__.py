"""Repeated problems (S3, ITIL): grouping similar cases across customers, problem records and their
owners. A room that extends the case: it may import ``cases`` and below; it subscribes to the case hooks.
"""
