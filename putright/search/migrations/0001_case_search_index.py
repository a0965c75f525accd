"""The case search index, kept current by database triggers, so every writer (bulk loaders and raw SQL
included) keeps it right.

Two kinds of text, indexed each the way it is searched:
- identifiers (reference, the customer's name, e-mail and phone, order reference): found by any part of
  three characters or more — a trigram index (SQLite FTS5 ``tokenize='trigram'``; PostgreSQL ``pg_trgm``);
- words (subject, the customer's words, messages): found by whole words or their beginnings — SQLite FTS5
  tables with the ``unicode61`` tokenizer (messages one row each, so a new message costs one insert);
  PostgreSQL a ``tsvector`` with a GIN index.

The SQL is written out here, not imported, so this migration stays what it was when later ones change it.
"""

from django.db import migrations

# The customer's phone is indexed as typed and as digits only, so "07700 900123" and "07700900123" both find it.
SQLITE_DIGITS = (
    "replace(replace(replace(replace(replace(replace({p}, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')"
)
SQLITE_CUSTOMER = "{t}.name || ' ' || {t}.email || ' ' || {t}.phone || ' ' || " + SQLITE_DIGITS.format(p="{t}.phone")

SQLITE_IDS_ROW = f"""
    SELECT c.id, c.reference, {SQLITE_CUSTOMER.format(t="cu")}, c.order_reference
    FROM cases_case c JOIN customers_customer cu ON cu.id = c.customer_id
"""
SQLITE_IDS_INSERT = "INSERT INTO search_case_ids (rowid, reference, customer, order_reference)"

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_case_ids USING fts5(reference, customer, order_reference, tokenize = 'trigram')",
    "CREATE VIRTUAL TABLE search_case_text USING fts5(subject, words, tokenize = 'unicode61 remove_diacritics 2')",
    """CREATE VIRTUAL TABLE search_message_text USING fts5(
        case_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    f"{SQLITE_IDS_INSERT} {SQLITE_IDS_ROW}",
    "INSERT INTO search_case_text (rowid, subject, words) SELECT id, subject, description FROM cases_case",
    "INSERT INTO search_message_text (rowid, case_id, body) SELECT id, case_id, body FROM channels_message",
    f"""CREATE TRIGGER search_case_inserted AFTER INSERT ON cases_case BEGIN
        {SQLITE_IDS_INSERT} {SQLITE_IDS_ROW} WHERE c.id = new.id;
        INSERT INTO search_case_text (rowid, subject, words) VALUES (new.id, new.subject, new.description);
    END""",
    # Only when a searched field changed: most saves of a case (status, clocks) leave the index alone.
    f"""CREATE TRIGGER search_case_ids_changed AFTER UPDATE ON cases_case
    WHEN old.reference IS NOT new.reference OR old.customer_id IS NOT new.customer_id
      OR old.order_reference IS NOT new.order_reference
    BEGIN
        DELETE FROM search_case_ids WHERE rowid = old.id;
        {SQLITE_IDS_INSERT} {SQLITE_IDS_ROW} WHERE c.id = new.id;
    END""",
    """CREATE TRIGGER search_case_text_changed AFTER UPDATE ON cases_case
    WHEN old.subject IS NOT new.subject OR old.description IS NOT new.description
    BEGIN
        UPDATE search_case_text SET subject = new.subject, words = new.description WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_case_deleted AFTER DELETE ON cases_case BEGIN
        DELETE FROM search_case_ids WHERE rowid = old.id;
        DELETE FROM search_case_text WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER search_customer_changed AFTER UPDATE ON customers_customer
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone
    BEGIN
        UPDATE search_case_ids SET customer = {SQLITE_CUSTOMER.format(t="new")}
        WHERE rowid IN (SELECT id FROM cases_case WHERE customer_id = new.id);
    END""",
    """CREATE TRIGGER search_message_inserted AFTER INSERT ON channels_message BEGIN
        INSERT INTO search_message_text (rowid, case_id, body) VALUES (new.id, new.case_id, new.body);
    END""",
    """CREATE TRIGGER search_message_changed AFTER UPDATE ON channels_message
    WHEN old.body IS NOT new.body OR old.case_id IS NOT new.case_id
    BEGIN
        UPDATE search_message_text SET case_id = new.case_id, body = new.body WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_message_deleted AFTER DELETE ON channels_message BEGIN
        DELETE FROM search_message_text WHERE rowid = old.id;
    END""",
]

SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in [
            "search_message_deleted", "search_message_changed", "search_message_inserted",
            "search_customer_changed", "search_case_deleted", "search_case_text_changed",
            "search_case_ids_changed", "search_case_inserted",
        ]
    ),
    "DROP TABLE IF EXISTS search_message_text",
    "DROP TABLE IF EXISTS search_case_text",
    "DROP TABLE IF EXISTS search_case_ids",
]

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE search_case_document (
        case_id bigint PRIMARY KEY,
        ids text NOT NULL,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX search_case_document_words ON search_case_document USING gin (document)",
    "CREATE INDEX search_case_document_parts ON search_case_document USING gin (ids gin_trgm_ops)",
    # One function builds the rows of a set of cases; the triggers below call it once per statement with
    # every case the statement touched (transition tables), so a bulk insert of 2,000 messages refreshes
    # each of their cases once, not once per message.
    r"""CREATE FUNCTION search_case_refresh(targets bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_case_document (case_id, ids, document)
        SELECT c.id,
               lower(concat_ws(' ', c.reference, cu.name, cu.email, cu.phone,
                               regexp_replace(cu.phone, '\D', '', 'g'), c.order_reference)),
               -- Hyphens become spaces: PostgreSQL's parser reads "HH-172536" as 'hh' and '-172536' (a
               -- negative number), and "172536" would then not find it.
               setweight(to_tsvector('simple', translate(c.subject, '-', ' ')), 'A')
               || setweight(to_tsvector('simple', translate(c.description, '-', ' ')), 'B')
               || setweight(to_tsvector('simple', translate(coalesce(m.bodies, ''), '-', ' ')), 'C')
        FROM cases_case c
        JOIN customers_customer cu ON cu.id = c.customer_id
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ') AS bodies FROM channels_message WHERE case_id = c.id
        ) m ON true
        WHERE c.id = ANY(targets)
        ON CONFLICT (case_id) DO UPDATE SET ids = EXCLUDED.ids, document = EXCLUDED.document;
    $$""",
    """CREATE FUNCTION search_case_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(SELECT id FROM new_rows));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_case_inserted AFTER INSERT ON cases_case
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_case_inserted()""",
    # Only cases whose searched fields changed: most saves of a case (status, clocks) leave the index alone.
    """CREATE FUNCTION search_case_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.reference IS DISTINCT FROM n.reference OR o.customer_id IS DISTINCT FROM n.customer_id
               OR o.order_reference IS DISTINCT FROM n.order_reference
               OR o.subject IS DISTINCT FROM n.subject OR o.description IS DISTINCT FROM n.description));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_case_updated AFTER UPDATE ON cases_case
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION search_case_updated()""",
    """CREATE FUNCTION search_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_case_document WHERE case_id IN (SELECT id FROM old_rows);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_case_deleted AFTER DELETE ON cases_case
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_case_deleted()""",
    # TRUNCATE fires no row triggers (Django's flush between tests uses it): empty the index with the cases.
    """CREATE FUNCTION search_case_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_case_document;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_case_truncated AFTER TRUNCATE ON cases_case
        FOR EACH STATEMENT EXECUTE FUNCTION search_case_truncated()""",
    """CREATE FUNCTION search_customer_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(
            SELECT c.id FROM cases_case c JOIN new_rows n ON n.id = c.customer_id JOIN old_rows o ON o.id = n.id
            WHERE o.name IS DISTINCT FROM n.name OR o.email IS DISTINCT FROM n.email
               OR o.phone IS DISTINCT FROM n.phone));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_customer_updated AFTER UPDATE ON customers_customer
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION search_customer_updated()""",
    """CREATE FUNCTION search_message_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(SELECT DISTINCT case_id FROM new_rows));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_message_inserted AFTER INSERT ON channels_message
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_message_inserted()""",
    """CREATE FUNCTION search_message_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(
            SELECT o.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.case_id IS DISTINCT FROM n.case_id OR o.body IS DISTINCT FROM n.body
            UNION
            SELECT n.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.case_id IS DISTINCT FROM n.case_id OR o.body IS DISTINCT FROM n.body));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_message_updated AFTER UPDATE ON channels_message
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION search_message_updated()""",
    """CREATE FUNCTION search_message_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_case_refresh(ARRAY(SELECT DISTINCT case_id FROM old_rows));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_message_deleted AFTER DELETE ON channels_message
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_message_deleted()""",
    "SELECT search_case_refresh(ARRAY(SELECT id FROM cases_case))",
]

POSTGRES_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for name, table in [
            ("search_message_deleted", "channels_message"),
            ("search_message_updated", "channels_message"),
            ("search_message_inserted", "channels_message"),
            ("search_customer_updated", "customers_customer"),
            ("search_case_truncated", "cases_case"),
            ("search_case_deleted", "cases_case"),
            ("search_case_updated", "cases_case"),
            ("search_case_inserted", "cases_case"),
        ]
    ),
    *(
        f"DROP FUNCTION IF EXISTS {name}()"
        for name in [
            "search_message_deleted", "search_message_updated", "search_message_inserted",
            "search_customer_updated", "search_case_truncated", "search_case_deleted",
            "search_case_updated", "search_case_inserted",
        ]
    ),
    "DROP FUNCTION IF EXISTS search_case_refresh(bigint[])",
    "DROP TABLE IF EXISTS search_case_document",
]


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    raise RuntimeError(f"search: no index for the {vendor} database (SQLite and PostgreSQL are supported)")


def forwards(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_option_appraisal_fields"),
        ("channels", "0003_message_sentiment_alert_kinds_caseless"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
