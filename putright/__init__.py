"""Putright: customer-service problem resolution and improvement.

How it is built: rooms in layers that depend one way, top to bottom. A room may import the rooms on
the layers below it, never one above; rooms on one layer are independent of each other. The import
contracts in ``pyproject.toml`` (``lint-imports``, run by ``make test``) keep it so.

1. ``urls``, then ``api``: the addresses.
2. ``pages`` (staff), ``portal`` (customers), ``apiv1`` (integrations): the interfaces. ``demo`` (the demo
   organisation's loader) and ``backup`` (backup and restore, for operators) belong here too.
3. ``improvements``: Plan–Do–Check–Act cycles measured by the insights catalogue (above it: baselines are
   its metrics), with procedures, problems and feedback as their evidence.
4. ``monitoring``: operational signals (above problems: a breach opens one). ``insights`` (the metrics
   catalogue, dashboards, exports and the complaints return: it reads every room below) beside it.
5. ``problems``, ``regulation``, ``feedback``, ``resolution``: rooms that extend the case. They call the
   case core's services and subscribe to its lifecycle hooks (``cases.hooks``) in ``AppConfig.ready()``.
   ``search`` (the full-text index over cases, kept by database triggers, and the search over it) too.
   ``routing`` (the assignment rules administrators keep; routing a case by them is the core's),
   ``procedures`` (versioned procedures and read receipts), ``quality`` (each case's scorecard),
   ``notes`` (staff-only notes with @mentions) and ``replies`` (saved replies) too.
6. ``caseforms``: the forms staff act on a case with, shared by the pages and the rooms above (split off
   the case core, whose line cap is for the lifecycle). Then ``cases``: the case core. It announces each
   step through its hooks and never imports a subscriber.
7. ``channels``: messages (and logged contacts), attachments, reply drafts, alerts, their email delivery
   and the case links.
8. ``authority``, ``audit``, ``customers``.
9. ``jobs``: the outbox, work scheduled in a transaction for the workers to do after it commits (any room
   above may schedule some).
10. The base: ``web``, ``ratelimit``, ``progress``, ``validators``, ``errors``, ``clock``, ``vocab`` (the
   shared vocabularies: statuses, remedy types, channels, source kinds).
11. ``engines``: pure Python, no Django and no other room.
"""
