"""The demo sends nothing: everything it writes happened in the story's past, and was delivered then.

The services email each message and alert after commit, through a delivery task, and ask the worker
to look for repeated problems in each new report. For the demo's hundreds of cases that would fill
the outbox (and the task queue) with mail to invented people, and a real customer's acknowledgement
would wait behind all of it. So, while the demo loads:

- the tasks the services enqueue after commit are held in memory (:class:`TaskHold`): it swaps the
  task backend at the start of the commit hooks and puts it back at their end — two hooks registered
  first and last, so every hook in between is held, whoever commits (the command, or a test's
  outer transaction);
- the demo's messages and alerts are recorded as delivered at the time they were written
  (:func:`mark_delivered`), so nothing is left to send and the sweep retries nothing;
- on release, the deliveries of rows recorded as delivered are dropped, and the rest (the repeated-
  problem analysis of each report) goes to the real queue at the lowest priority, so live work is
  always taken first, as analyses of the past: the problem owners' alerts they raise are recorded as
  delivered too (``problems.tasks.case_analyse_past``), so the demo never sends a thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TASK_MIN_PRIORITY, Task

from putright.channels import delivery
from putright.channels.delivery import RETRYABLE
from putright.channels.models import Alert, Message
from putright.problems.tasks import case_analyse, case_analyse_past

# Held work that, released after the load, is work about the story's past.
PAST = {case_analyse.module_path: case_analyse_past}


@dataclass(frozen=True)
class HeldTask:
    task: Task
    args: tuple
    kwargs: dict


class _Holding(BaseTaskBackend):
    """A task backend that only remembers what was enqueued, in order (the callers ignore the result)."""

    supports_defer = True
    supports_priority = True

    def __init__(self) -> None:
        super().__init__(alias=DEFAULT_TASK_BACKEND_ALIAS, params={})
        self.results: list[HeldTask] = []

    def enqueue(self, task, args, kwargs):
        self.results.append(HeldTask(task, tuple(args), dict(kwargs)))


class TaskHold:
    """Holds what the services enqueue between ``begin()`` and ``end()`` (both inside one transaction)."""

    def __init__(self) -> None:
        self.held = _Holding()
        self._real = None
        self.dropped = 0
        self.queued = 0

    def begin(self) -> None:
        """Call first thing inside the demo's transaction."""
        transaction.on_commit(self._hold)

    def end(self) -> None:
        """Call last thing inside the demo's transaction, after :func:`mark_delivered`."""
        transaction.on_commit(self._release)

    def _hold(self) -> None:
        self._real = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        task_backends[DEFAULT_TASK_BACKEND_ALIAS] = self.held

    def _release(self) -> None:
        task_backends[DEFAULT_TASK_BACKEND_ALIAS] = self._real
        results, self.held.results = self.held.results, []
        delivered = _already_delivered(results)
        for result in results:
            if (result.task.module_path, result.args[0] if result.args else None) in delivered:
                self.dropped += 1
                continue
            task = PAST.get(result.task.module_path, result.task)
            if self._real.supports_priority:  # the database, immediate and dummy backends do
                task = task.using(priority=TASK_MIN_PRIORITY)
            task.enqueue(*result.args, **result.kwargs)
            self.queued += 1


def _already_delivered(results) -> set[tuple[str, int]]:
    """(task name, row id) of held deliveries whose message or alert needs no sending any more."""
    by_task = {
        delivery.deliver_message.module_path: Message,
        delivery.deliver_alert.module_path: Alert,
    }
    wanted: dict[str, list[int]] = {}
    for result in results:
        if result.task.module_path in by_task and result.args:
            wanted.setdefault(result.task.module_path, []).append(result.args[0])
    done = set()
    for name, ids in wanted.items():
        model = by_task[name]
        pending = set(
            model.objects.filter(pk__in=ids, email_status__in=RETRYABLE).values_list("pk", flat=True)
        )
        done |= {(name, pk) for pk in ids if pk not in pending}
    return done


def mark_delivered(*, messages_after: int, alerts_after: int) -> tuple[int, int]:
    """Record the demo's messages and alerts (ids above those given) as emailed when they were written.

    Returns how many messages and alerts were marked.
    """
    messages = Message.objects.filter(pk__gt=messages_after, email_status__in=RETRYABLE).update(
        email_status=Message.EmailStatus.SENT, email_attempts=1, emailed_at=F("created_at"), email_error=""
    )
    alerts = Alert.objects.filter(pk__gt=alerts_after, email_status__in=RETRYABLE).update(
        email_status="sent", email_attempts=1
    )
    return messages, alerts


def last_ids() -> tuple[int, int]:
    """The newest message and alert ids now: what the demo writes comes after them."""
    last_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_alert = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last_message, last_alert
