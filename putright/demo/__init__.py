"""The demo organisation, Harbour & Hearth Ltd: its story as data files and the loader that writes it.

A top-layer room beside the pages and the API: it may import any room's services, selectors and
models (and drive them), and nothing imports it.
"""
