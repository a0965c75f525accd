"""Indexes the metrics read by (issue 13 §5, found by bench/bench_insights.py): the periods of closed
cases (closed_at), of satisfaction checks (satisfaction_asked_at) and of approval decisions (decided_at)
were read by scanning every row. The tables belong to other rooms; the indexes serve insights, so they
are made here, in SQL alone (no model state changes: the models do not declare them)."""

from django.db import migrations

INDEXES = [
    ("insights_case_closed_at", "cases_case", "closed_at"),
    ("insights_case_satisfaction_asked", "cases_case", "satisfaction_asked_at"),
    ("insights_approval_decided_at", "authority_approval", "decided_at"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("cases", "0007_satisfaction_scores_unresolved_reason_upheld"),
        ("authority", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, column in INDEXES
    ]
