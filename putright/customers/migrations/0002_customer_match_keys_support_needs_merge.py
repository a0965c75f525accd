"""Adds the match keys, support needs, the merged-into link and merge suggestions; fills the keys of
existing rows. Only adds: duplicate rows are joined afterwards by `manage.py customers_join_duplicates`."""

import django.db.models.deletion
from django.db import migrations, models

from putright.customers.normalise import email_key, name_key, phone_key


def keys_fill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.objects.only("pk", "name", "email", "phone").iterator(chunk_size=2000):
        customer.email_key = email_key(customer.email)
        customer.name_key = name_key(customer.name)
        customer.phone_key = phone_key(customer.phone)
        batch.append(customer)
        if len(batch) >= 2000:
            Customer.objects.bulk_update(batch, ["email_key", "name_key", "phone_key"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["email_key", "name_key", "phone_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_key",
            field=models.CharField(blank=True, default="", max_length=254),
        ),
        migrations.AddField(
            model_name="customer",
            name="name_key",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_key",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="customer",
            name="support_needs",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="customer",
            name="support_needs_consent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_from",
                to="customers.customer",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="merged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["email_key", "name_key"], name="customer_match_keys"),
        ),
        migrations.CreateModel(
            name="MergeSuggestion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField()),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="merge_suggestions",
                        to="customers.customer",
                    ),
                ),
                (
                    "similar_to",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer"
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("customer", "similar_to"), name="merge_suggestion_once_per_pair")
                ],
            },
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
    ]
