"""Seed the starting remedy catalogue and appraisal weights (see putright.resolution.defaults)."""

from django.db import migrations

from putright.resolution.defaults import seed


def seed_defaults(apps, schema_editor):
    seed(apps.get_model("resolution", "RemedyCatalogueEntry"), apps.get_model("resolution", "AppraisalWeight"))


class Migration(migrations.Migration):
    dependencies = [("resolution", "0001_initial")]

    operations = [migrations.RunPython(seed_defaults, migrations.RunPython.noop)]
