"""The rollup of case facts (issue 13 §5: "a rollup table kept by the sweep … if it is always consistent
with the cases"): ``insights_casefact``, one row per case with what the metrics read of it, and
``insights_casefactdirty``, the cases whose facts may be out of date.

Triggers on every table a fact derives from note the case as dirty in the same transaction as the change,
so services, bulk loaders and raw SQL alike leave a mark; ``insights.rollup.refresh`` (run by every
measurement and by the sweep) brings the noted cases up to date. Every existing case is noted here, so the
first measurement (or ``putright insights rollup --rebuild``) fills the table.

The SQL is written out here, not imported, so this migration stays what it was when later ones change it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DIRTY = "insights_casefactdirty"
# Events that decide the reopen rate.
EVENT_KINDS = "('case.reopened', 'case.delivered')"
# The case's columns a fact copies or derives from (a change of any other, e.g. the audit sequence, is not
# noted). customer_id and created_at also decide the facts of the customer's other cases (came back).
CASE_COLUMNS = [
    "status", "closed_at", "created_at", "team_id", "assignee_id", "category_id", "unresolved_reason_id",
    "channel", "source_kind", "priority", "upheld", "satisfaction_asked_at", "csat", "ces", "nps",
    "customer_id", "created_by_id",
]
# table, the column naming the case, the columns whose change matters on update, a condition on the row.
WATCHED = [
    ("channels_message", "case_id", ["case_id", "direction", "automatic", "created_at"], ""),
    ("audit_event", "case_id", ["case_id", "kind", "created_at"], "{r}.kind IN " + EVENT_KINDS),
    ("authority_escalation", "case_id", ["case_id"], ""),
    ("problems_problemcase", "case_id", ["case_id", "unlinked_at"], ""),
    ("cases_option", "case_id", ["case_id", "status", "amount"], ""),
]


def _changed(columns, *, sqlite):
    op = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"old.{c} {op} new.{c}" for c in columns)


def _sqlite_create():
    out = []
    for table, col, columns, cond in WATCHED:
        new_cond = f"new.{col} IS NOT NULL" + (f" AND {cond.format(r='new')}" if cond else "")
        old_cond = f"old.{col} IS NOT NULL" + (f" AND {cond.format(r='old')}" if cond else "")
        out += [
            f"""CREATE TRIGGER insights_fact_{table}_ins AFTER INSERT ON {table} WHEN {new_cond}
            BEGIN INSERT INTO {DIRTY} (case_id) VALUES (new.{col}); END""",
            f"""CREATE TRIGGER insights_fact_{table}_del AFTER DELETE ON {table} WHEN {old_cond}
            BEGIN INSERT INTO {DIRTY} (case_id) VALUES (old.{col}); END""",
            f"""CREATE TRIGGER insights_fact_{table}_upd AFTER UPDATE ON {table}
            WHEN {_changed(columns, sqlite=True)}
            BEGIN
                INSERT INTO {DIRTY} (case_id) SELECT old.{col} WHERE {old_cond};
                INSERT INTO {DIRTY} (case_id) SELECT new.{col} WHERE {new_cond};
            END""",
        ]
    out += [
        f"""CREATE TRIGGER insights_fact_case_ins AFTER INSERT ON cases_case BEGIN
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case
                WHERE id = new.id OR (customer_id = new.customer_id AND new.customer_id IS NOT NULL);
        END""",
        f"""CREATE TRIGGER insights_fact_case_upd AFTER UPDATE ON cases_case
        WHEN {_changed(CASE_COLUMNS, sqlite=True)}
        BEGIN
            INSERT INTO {DIRTY} (case_id) VALUES (new.id);
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case
                WHERE (old.customer_id IS NOT new.customer_id OR old.created_at IS NOT new.created_at)
                  AND customer_id IN (old.customer_id, new.customer_id) AND id <> new.id;
        END""",
        f"""CREATE TRIGGER insights_fact_case_del AFTER DELETE ON cases_case BEGIN
            DELETE FROM insights_casefact WHERE case_id = old.id;
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case WHERE customer_id = old.customer_id;
        END""",
        f"""CREATE TRIGGER insights_fact_region_ins AFTER INSERT ON regulation_regimesettings BEGIN
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case;
        END""",
        f"""CREATE TRIGGER insights_fact_region_upd AFTER UPDATE ON regulation_regimesettings
        WHEN old.region IS NOT new.region BEGIN
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case;
        END""",
    ]
    return out


def _sqlite_drop():
    names = [f"insights_fact_{t}_{op}" for t, *_ in WATCHED for op in ("ins", "del", "upd")]
    names += ["insights_fact_case_ins", "insights_fact_case_upd", "insights_fact_case_del"]
    names += ["insights_fact_region_ins", "insights_fact_region_upd"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


# PostgreSQL: one function notes the case named by the column in TG_ARGV[0] of OLD and NEW (whichever the
# operation has); the case table and the settings have their own.
POSTGRES_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION insights_fact_note() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS NOT NULL THEN
            INSERT INTO {DIRTY} (case_id) VALUES ((to_jsonb(OLD) ->> TG_ARGV[0])::bigint);
        END IF;
        IF TG_OP <> 'DELETE' AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS NOT NULL THEN
            INSERT INTO {DIRTY} (case_id) VALUES ((to_jsonb(NEW) ->> TG_ARGV[0])::bigint);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION insights_fact_note_case() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM insights_casefact WHERE case_id = OLD.id;
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case WHERE customer_id = OLD.customer_id;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case
                WHERE id = NEW.id OR (customer_id = NEW.customer_id AND NEW.customer_id IS NOT NULL);
        ELSE
            INSERT INTO {DIRTY} (case_id) VALUES (NEW.id);
            IF OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.created_at IS DISTINCT FROM NEW.created_at
            THEN
                INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case
                    WHERE customer_id IN (OLD.customer_id, NEW.customer_id) AND id <> NEW.id;
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION insights_fact_note_all() RETURNS trigger AS $$
    BEGIN
        INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
]


def _postgres_create():
    out = list(POSTGRES_FUNCTIONS)
    for table, col, columns, cond in WATCHED:
        new_when = f" WHEN ({cond.format(r='NEW')})" if cond else ""
        old_when = f" WHEN ({cond.format(r='OLD')})" if cond else ""
        upd_when = _changed(columns, sqlite=False)
        if cond:
            upd_when = f"({upd_when}) AND ({cond.format(r='OLD')} OR {cond.format(r='NEW')})"
        run = f"FOR EACH ROW EXECUTE FUNCTION insights_fact_note('{col}')"
        out += [
            f"CREATE TRIGGER insights_fact_ins AFTER INSERT ON {table} {run.replace('FOR EACH ROW', 'FOR EACH ROW' + new_when)}",
            f"CREATE TRIGGER insights_fact_del AFTER DELETE ON {table} {run.replace('FOR EACH ROW', 'FOR EACH ROW' + old_when)}",
            f"CREATE TRIGGER insights_fact_upd AFTER UPDATE ON {table} FOR EACH ROW WHEN ({upd_when}) "
            f"EXECUTE FUNCTION insights_fact_note('{col}')",
        ]
    out += [
        "CREATE TRIGGER insights_fact_ins AFTER INSERT OR DELETE ON cases_case "
        "FOR EACH ROW EXECUTE FUNCTION insights_fact_note_case()",
        f"CREATE TRIGGER insights_fact_upd AFTER UPDATE ON cases_case FOR EACH ROW "
        f"WHEN ({_changed(CASE_COLUMNS, sqlite=False)}) EXECUTE FUNCTION insights_fact_note_case()",
        "CREATE TRIGGER insights_fact_ins AFTER INSERT ON regulation_regimesettings "
        "FOR EACH ROW EXECUTE FUNCTION insights_fact_note_all()",
        "CREATE TRIGGER insights_fact_upd AFTER UPDATE ON regulation_regimesettings FOR EACH ROW "
        "WHEN (OLD.region IS DISTINCT FROM NEW.region) EXECUTE FUNCTION insights_fact_note_all()",
    ]
    return out


def _postgres_drop():
    tables = [t for t, *_ in WATCHED] + ["cases_case", "regulation_regimesettings"]
    out = [f"DROP TRIGGER IF EXISTS insights_fact_{op} ON {t}" for t in tables for op in ("ins", "del", "upd")]
    out += [
        "DROP FUNCTION IF EXISTS insights_fact_note()",
        "DROP FUNCTION IF EXISTS insights_fact_note_case()",
        "DROP FUNCTION IF EXISTS insights_fact_note_all()",
    ]
    return out


def forwards(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    for statement in _sqlite_create() if sqlite else _postgres_create():
        schema_editor.execute(statement)
    # Every case there is now is to be rolled up.
    schema_editor.execute(f"INSERT INTO {DIRTY} (case_id) SELECT id FROM cases_case")


def backwards(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    for statement in _sqlite_drop() if sqlite else _postgres_drop():
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('authority', '0006_teams'),
        ('cases', '0008_case_customer_created'),
        ('insights', '0002_case_indexes_for_metrics'),
        ('channels', '0004_alert_kind_team_unstaffed'),
        ('audit', '0002_event_hash_scheme_key_id'),
        ('problems', '0001_initial'),
        ('regulation', '0002_seed_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseFactDirty',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('case_id', models.BigIntegerField()),
                ('claim', models.BigIntegerField(null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['claim'], name='insights_dirty_claim')],
            },
        ),
        migrations.CreateModel(
            name='CaseFact',
            fields=[
                ('case', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='cases.case')),
                ('created_at', models.DateTimeField(db_index=True)),
                ('closed_at', models.DateTimeField(db_index=True, null=True)),
                ('status', models.CharField(max_length=30)),
                ('channel', models.CharField(max_length=20)),
                ('source_kind', models.CharField(max_length=1)),
                ('priority', models.CharField(max_length=20)),
                ('upheld', models.CharField(max_length=12)),
                ('satisfaction_asked_at', models.DateTimeField(db_index=True, null=True)),
                ('csat', models.PositiveSmallIntegerField(null=True)),
                ('ces', models.PositiveSmallIntegerField(null=True)),
                ('nps', models.PositiveSmallIntegerField(null=True)),
                ('ack_at', models.DateTimeField(null=True)),
                ('ack_hours', models.FloatField(null=True)),
                ('ack_days', models.IntegerField(null=True)),
                ('resolve_hours', models.FloatField(null=True)),
                ('resolve_days', models.IntegerField(null=True)),
                ('contact_gap', models.DurationField(null=True)),
                ('reopen_gap', models.DurationField(null=True)),
                ('escalated', models.BooleanField()),
                ('linked_to_problem', models.BooleanField()),
                ('money_agreed', models.DecimalField(decimal_places=2, max_digits=14, null=True)),
                ('region', models.CharField(max_length=3)),
                ('calendar_missing', models.BooleanField()),
                ('assignee', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('category', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.category')),
                ('team', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='authority.team')),
                ('unresolved_reason', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.unresolvedreason')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('calendar_missing', True)), fields=['case'], name='insights_fact_cal_missing')],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
