"""The demo sends nothing: everything it writes happened in the story's past, and was delivered then.

The services schedule a job for each message and alert they write (its e-mail) and for each new
report (the worker compares it with other customers' for repeated problems). For the demo's hundreds of
cases that would fill the outbox with mail to invented people, and a real customer's acknowledgement
would wait behind all of it. So the load, inside its one transaction:

- records the demo's messages and alerts as delivered at the time they were written
  (:func:`mark_delivered`), so nothing is left to send and the sweep retries nothing;
- then (:class:`PastWork`) marks the delivery jobs of those rows done, and turns each report's analysis
  into an analysis of the past at the lowest priority, so live work is always taken first: the problem
  owners' alerts it raises are recorded as delivered too (``problems.tasks.case_analyse_past``), so the
  demo never sends a thing.
"""

from __future__ import annotations

from django.db.models import F
from django_tasks.base import TASK_MIN_PRIORITY

from putright import clock
from putright.channels import delivery
from putright.channels.delivery import RETRYABLE
from putright.channels.models import Alert, Message
from putright.jobs.models import Job
from putright.problems.tasks import case_analyse, case_analyse_past


class PastWork:
    """Makes the jobs scheduled between ``begin()`` and ``end()`` (one transaction) work of the past."""

    def __init__(self) -> None:
        self.after = 0
        self.dropped = 0
        self.queued = 0

    def begin(self) -> None:
        """Call first thing inside the demo's transaction."""
        self.after = Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def end(self) -> None:
        """Call last thing inside the demo's transaction, after :func:`mark_delivered`."""
        jobs = Job.objects.filter(pk__gt=self.after, status=Job.Status.PENDING)
        for task, model in ((delivery.deliver_message, Message), (delivery.deliver_alert, Alert)):
            scheduled = dict(jobs.filter(task=task.module_path).values_list("pk", "args"))
            to_send = set(
                model.objects.filter(
                    pk__in=[args[0] for args in scheduled.values()], email_status__in=RETRYABLE
                ).values_list("pk", flat=True)
            )
            delivered = [pk for pk, args in scheduled.items() if args[0] not in to_send]
            self.dropped += Job.objects.filter(pk__in=delivered).update(
                status=Job.Status.DONE, finished_at=clock.now(), result="delivered in the story"
            )
        self.queued = jobs.filter(task=case_analyse.module_path).update(
            task=case_analyse_past.module_path, priority=TASK_MIN_PRIORITY
        )


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
