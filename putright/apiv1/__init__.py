"""Version 1 of the REST API (mounted at /api/ by ``putright.api``): a top-layer room beside ``pages``
and ``portal``. It may import any room's services and selectors; nothing imports it.

Endpoints validate their input here, at the edge, and then call exactly one service function; reads go
through ``selectors``.
"""
