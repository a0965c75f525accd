"""Create the four staff roles with starting authority limits an administrator can change."""

from decimal import Decimal

from django.db import migrations

ALL_TYPES = ["refund", "partial_refund", "repair", "replacement", "redelivery", "goodwill_credit",
             "compensation", "cancellation", "apology", "other"]
DEFAULTS = [
    ("agent", Decimal("100.00"), ["refund", "partial_refund", "repair", "replacement", "redelivery",
                                  "goodwill_credit", "apology"], 1),
    ("supervisor", Decimal("1000.00"), ALL_TYPES, 2),
    ("manager", Decimal("10000.00"), ALL_TYPES, 3),
    ("administrator", None, ALL_TYPES, 4),
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    AuthorityLimit = apps.get_model("authority", "AuthorityLimit")
    for name, amount, types, rank in DEFAULTS:
        group, _ = Group.objects.get_or_create(name=name)
        AuthorityLimit.objects.get_or_create(
            group=group, defaults={"max_amount": amount, "remedy_types": types, "rank": rank}
        )


class Migration(migrations.Migration):
    dependencies = [("authority", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
