"""Work to do after a change is committed: an outbox of our own rows, relayed to the task queue.

A request never does work after its commit that could fail it. What must happen later (e-mail a
message, analyse a report, deliver a notice) is a :class:`~putright.jobs.models.Job` row written in
the same transaction as the change it follows (``outbox.later``), so it commits or rolls back with it.
The worker (``manage.py worker --queue mail|analysis``) relays pending jobs to django-tasks and runs
them; each job is claimed on its own row with a heartbeat, so one left "running" by a killed worker
is found stale and handed over again, by the worker itself and by the sweep. Every job is idempotent.

The room sits low in the house (below authority, audit and customers): every room may schedule work, and it
imports no room (only the base: the clock).
"""
