"""Backup and restore: one archive holding the database, the stored files and a manifest that proves both.

A top-layer room beside the pages, the API and the demo: an operator's way in. It reads every table
without knowing the rooms (it counts them by name) and calls the audit room's chain verification after a
restore. It may import any room below it; nothing imports it.
"""
