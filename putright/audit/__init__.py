"""The tamper-evident record: every case event, append-only and hash-chained. Near the bottom of the
house: it may import only the base modules (``clock``); it reaches the case row through its own foreign key.
"""
