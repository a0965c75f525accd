"""Agents may honour a customer's statutory cancellation (C1) without a supervisor: add "cancellation" to
the agent role's remedy types, where they are still the starting ones (an administrator's choice stands)."""

from django.db import migrations

# The agent's starting remedy types before this migration (0002_default_roles); no app code imported here.
OLD_AGENT_TYPES = ["refund", "partial_refund", "repair", "replacement", "redelivery", "goodwill_credit", "apology"]
NEW_AGENT_TYPES = [
    "refund",
    "partial_refund",
    "repair",
    "replacement",
    "redelivery",
    "goodwill_credit",
    "cancellation",
    "apology",
]


def _swap(apps, before: list[str], after: list[str]) -> None:
    AuthorityLimit = apps.get_model("authority", "AuthorityLimit")
    for limit in AuthorityLimit.objects.filter(group__name="agent"):
        if sorted(limit.remedy_types or []) == sorted(before):
            limit.remedy_types = after
            limit.save(update_fields=["remedy_types"])


def add_cancellation(apps, schema_editor):
    _swap(apps, OLD_AGENT_TYPES, NEW_AGENT_TYPES)


def remove_cancellation(apps, schema_editor):
    _swap(apps, NEW_AGENT_TYPES, OLD_AGENT_TYPES)


class Migration(migrations.Migration):
    dependencies = [("authority", "0003_authority_may_approve_exceptions")]

    operations = [migrations.RunPython(add_cancellation, remove_cancellation)]
