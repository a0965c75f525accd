"""K4.statutory: how far a customer's statutory entitlement lifts a role's money limit. Empty (every
existing row) means the supervisor's limit, the default the issue asks for."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authority", "0004_agent_may_honour_cancellations"),
    ]

    operations = [
        migrations.AddField(
            model_name="authoritylimit",
            name="statutory_ceiling",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text=(
                    "Largest option that is the customer's statutory right (proposed by the remedies engine) "
                    "this role may offer beyond its money limit without approval; never above the recorded "
                    "price. Empty means the supervisor's limit; 0 means no such allowance."
                ),
                max_digits=12,
                null=True,
            ),
        ),
    ]
