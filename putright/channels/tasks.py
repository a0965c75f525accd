"""Thin, retry-safe tasks: claim the row with a conditional UPDATE, then send."""

from __future__ import annotations

from django_tasks import task

from putright.channels import delivery


@task()
def deliver_message(message_id: int) -> str:
    return delivery.message_email_send(message_id=message_id)


@task()
def deliver_alert(alert_id: int) -> str:
    return delivery.alert_email_send(alert_id=alert_id)
