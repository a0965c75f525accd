"""The bulk writer: a closed case of the demo's history, written as the case services would have left it.

The services spend most of the demo's time on their one-way-in discipline — lock, re-read, check,
write, append one audit event, three queries a step. History (closed cases the customer will not
see again) needs none of that: nobody acts on it concurrently and every step is known in advance.
So the bulk writer plays the same acts (``planning.py``) on the case in memory, mirroring each
service step by step, and then writes each table's rows in one ``bulk_create``: the same rows, in
the same order, with the same ids the services would have given them.

The audit chain is computed with the audit module's own hashing (``putright.audit.events``): each
event's payload is made JSON exactly as ``event_record`` makes it, hashed with the previous hash,
and the case row ends with the chain's head, so ``audit_verify`` passes. Messages and alerts are
written as delivered when written (``outbox.py``); the regulation clocks are started and met as the
regulation receivers would have met them.

It mirrors the services only for what the demo's acts do, and only their success paths: the
services check; the demo's plans are valid by construction. ``tests/test_demo_bulk.py`` loads the
same demo both ways and requires every case record, clock, alert and feed item to be equal.
"""

from putright.demo.bulk.writer import BulkWriter

__all__ = ["BulkWriter"]
