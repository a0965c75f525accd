"""Limits of authority (K4): roles, money limits and remedy types, approvals and escalations; and staff
sign-in (the throttle, two-factor codes, password reset). It may import the base modules, ``vocab`` and
``engines``; the case core and everything above it use it.
"""
