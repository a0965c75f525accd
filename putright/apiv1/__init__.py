"""Version 1 of the Putright REST API (mounted at /api/ by ``putright.api``).

Endpoints validate their input here, at the edge, and then call exactly one
function of ``putright.cases.services``; reads go through ``selectors``.
"""
