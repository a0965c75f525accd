from __future__ import annotations

from django.db import models


class Job(models.Model):
    """One piece of work to do after a commit, and where it stands (see ``putright.jobs``).

    ``pending`` → ``running`` (claimed by one worker, which beats ``heartbeat_at`` while it works) →
    ``done``; a failure goes back to ``pending`` with ``available_at`` pushed back, and after
    ``JOB_MAX_ATTEMPTS`` to ``gave_up``. ``enqueued_at`` is when the relay last handed it to the task
    queue: a pending job handed over long ago and never claimed lost its task and is handed over again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        GAVE_UP = "gave_up", "Gave up"

    # The django-tasks task that does the work, by its import path (as the task library stores it).
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    queue = models.CharField(max_length=20)
    priority = models.SmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    available_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True)
    result = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "queue", "available_at"], name="job_relay"),
            models.Index(fields=["status", "heartbeat_at"], name="job_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({self.status})"
