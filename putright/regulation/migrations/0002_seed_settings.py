"""The organisation's regime settings, seeded with a retailer's defaults.

Own service levels on (acknowledge in 1 business day, first update in 3, resolve in 10), English and
Welsh bank holidays, refund and subject access clocks on, FCA DISP off. An administrator changes them
in the admin (Regimes and deadlines → Regime settings).
"""

from django.db import migrations


def seed(apps, schema_editor):
    RegimeSettings = apps.get_model("regulation", "RegimeSettings")
    RegimeSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("regulation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
