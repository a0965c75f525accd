"""The customer's side: reporting a problem and following a case on its private signed link.

A top-layer room beside the staff pages (``pages``) and the API (``apiv1``): it may import any room's
services and selectors; nothing imports it.
"""
