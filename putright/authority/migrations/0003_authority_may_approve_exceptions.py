"""K4: only roles allowed to approve exceptions to usual practice may do so (supervisor and up)."""

from django.db import migrations, models


def allow_senior_roles(apps, schema_editor):
    AuthorityLimit = apps.get_model("authority", "AuthorityLimit")
    AuthorityLimit.objects.filter(group__name__in=["supervisor", "manager", "administrator"]).update(
        may_approve_exceptions=True
    )


class Migration(migrations.Migration):
    dependencies = [("authority", "0002_default_roles")]

    operations = [
        migrations.AddField(
            model_name="authoritylimit",
            name="may_approve_exceptions",
            field=models.BooleanField(
                default=False,
                help_text="May approve an exception to usual practice (always a second person's decision).",
            ),
        ),
        migrations.RunPython(allow_senior_roles, migrations.RunPython.noop),
    ]
