"""The case search index, kept current by database triggers, so every writer (bulk loaders and raw SQL
included) keeps it right.

SQLite: an FTS5 table with the trigram tokenizer, one row per case (its rowid is the case's id), so any
part of three characters or more of a reference, name, e-mail, phone or order reference is found.
PostgreSQL: one row per case with a weighted ``tsvector`` (GIN index) for ranking and stemmed words, and
the same text lower-cased (GIN index with ``pg_trgm``) for parts of words.

The SQL is written out here, not imported, so this migration stays what it was when later ones change it.
"""

from django.db import migrations

# The customer's phone is indexed as typed and as digits only, so "07700 900123" and "07700900123" both find it.
SQLITE_DIGITS = "replace(replace(replace(replace(replace(replace({p}, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')"

SQLITE_ROW = """
    SELECT c.id, c.reference,
           cu.name || ' ' || cu.email || ' ' || cu.phone || ' ' || {digits},
           c.order_reference, c.subject, c.description,
           coalesce((SELECT group_concat(m.body, ' ') FROM channels_message m WHERE m.case_id = c.id), '')
    FROM cases_case c JOIN customers_customer cu ON cu.id = c.customer_id
""".format(digits=SQLITE_DIGITS.format(p="cu.phone"))

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE search_case_fts USING fts5(
        reference, customer, order_reference, subject, words, messages, tokenize = 'trigram'
    )""",
    f"INSERT INTO search_case_fts (rowid, reference, customer, order_reference, subject, words, messages) {SQLITE_ROW}",
    f"""CREATE TRIGGER search_case_inserted AFTER INSERT ON cases_case BEGIN
        INSERT INTO search_case_fts (rowid, reference, customer, order_reference, subject, words, messages)
        {SQLITE_ROW} WHERE c.id = new.id;
    END""",
    # Only when a searched field changed: most saves of a case (status, clocks) leave the index alone.
    f"""CREATE TRIGGER search_case_changed AFTER UPDATE ON cases_case
    WHEN old.reference IS NOT new.reference OR old.customer_id IS NOT new.customer_id
      OR old.order_reference IS NOT new.order_reference OR old.subject IS NOT new.subject
      OR old.description IS NOT new.description
    BEGIN
        DELETE FROM search_case_fts WHERE rowid = old.id;
        INSERT INTO search_case_fts (rowid, reference, customer, order_reference, subject, words, messages)
        {SQLITE_ROW} WHERE c.id = new.id;
    END""",
    """CREATE TRIGGER search_case_deleted AFTER DELETE ON cases_case BEGIN
        DELETE FROM search_case_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER search_customer_changed AFTER UPDATE ON customers_customer
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone
    BEGIN
        UPDATE search_case_fts
        SET customer = new.name || ' ' || new.email || ' ' || new.phone || ' ' || {SQLITE_DIGITS.format(p="new.phone")}
        WHERE rowid IN (SELECT id FROM cases_case WHERE customer_id = new.id);
    END""",
    """CREATE TRIGGER search_message_inserted AFTER INSERT ON channels_message BEGIN
        UPDATE search_case_fts
        SET messages = coalesce((SELECT group_concat(body, ' ') FROM channels_message WHERE case_id = new.case_id), '')
        WHERE rowid = new.case_id;
    END""",
    """CREATE TRIGGER search_message_changed AFTER UPDATE ON channels_message
    WHEN old.body IS NOT new.body OR old.case_id IS NOT new.case_id
    BEGIN
        UPDATE search_case_fts
        SET messages = coalesce((SELECT group_concat(body, ' ') FROM channels_message WHERE case_id = search_case_fts.rowid), '')
        WHERE rowid IN (old.case_id, new.case_id);
    END""",
    """CREATE TRIGGER search_message_deleted AFTER DELETE ON channels_message BEGIN
        UPDATE search_case_fts
        SET messages = coalesce((SELECT group_concat(body, ' ') FROM channels_message WHERE case_id = old.case_id), '')
        WHERE rowid = old.case_id;
    END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_message_deleted",
    "DROP TRIGGER IF EXISTS search_message_changed",
    "DROP TRIGGER IF EXISTS search_message_inserted",
    "DROP TRIGGER IF EXISTS search_customer_changed",
    "DROP TRIGGER IF EXISTS search_case_deleted",
    "DROP TRIGGER IF EXISTS search_case_changed",
    "DROP TRIGGER IF EXISTS search_case_inserted",
    "DROP TABLE IF EXISTS search_case_fts",
]

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE search_case_document (
        case_id bigint PRIMARY KEY,
        document tsvector NOT NULL,
        haystack text NOT NULL
    )""",
    "CREATE INDEX search_case_document_words ON search_case_document USING gin (document)",
    "CREATE INDEX search_case_document_parts ON search_case_document USING gin (haystack gin_trgm_ops)",
    # One function builds a case's row; every trigger below calls it for the cases its change touches.
    r"""CREATE FUNCTION search_case_refresh(target bigint) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_case_document (case_id, document, haystack)
        SELECT c.id,
               setweight(to_tsvector('simple', c.reference || ' ' || c.order_reference), 'A')
               || setweight(to_tsvector('simple', cu.name || ' ' || cu.email || ' ' || cu.phone), 'A')
               || setweight(to_tsvector('english', c.subject), 'B')
               || setweight(to_tsvector('english', c.description), 'C')
               || setweight(to_tsvector('english', coalesce(m.bodies, '')), 'D'),
               lower(concat_ws(' ', c.reference, c.order_reference, cu.name, cu.email, cu.phone,
                               regexp_replace(cu.phone, '\D', '', 'g'), c.subject, c.description, m.bodies))
        FROM cases_case c
        JOIN customers_customer cu ON cu.id = c.customer_id
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ') AS bodies FROM channels_message WHERE case_id = c.id
        ) m ON true
        WHERE c.id = target
        ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document, haystack = EXCLUDED.haystack;
    $$""",
    """CREATE FUNCTION search_case_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM search_case_document WHERE case_id = OLD.id;
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT' OR OLD.reference IS DISTINCT FROM NEW.reference
           OR OLD.customer_id IS DISTINCT FROM NEW.customer_id
           OR OLD.order_reference IS DISTINCT FROM NEW.order_reference
           OR OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description THEN
            PERFORM search_case_refresh(NEW.id);
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_case_changed AFTER INSERT OR UPDATE OR DELETE ON cases_case
        FOR EACH ROW EXECUTE FUNCTION search_case_trigger()""",
    # TRUNCATE fires no row triggers (Django's flush between tests uses it): empty the index with the cases.
    """CREATE FUNCTION search_case_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_case_document;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_case_truncated AFTER TRUNCATE ON cases_case
        FOR EACH STATEMENT EXECUTE FUNCTION search_case_truncated()""",
    """CREATE FUNCTION search_customer_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
           OR OLD.phone IS DISTINCT FROM NEW.phone THEN
            PERFORM search_case_refresh(c.id) FROM cases_case c WHERE c.customer_id = NEW.id;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_customer_changed AFTER UPDATE ON customers_customer
        FOR EACH ROW EXECUTE FUNCTION search_customer_trigger()""",
    """CREATE FUNCTION search_message_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM search_case_refresh(OLD.case_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF TG_OP = 'INSERT' OR OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.body IS DISTINCT FROM NEW.body THEN
                PERFORM search_case_refresh(NEW.case_id);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_message_changed AFTER INSERT OR UPDATE OR DELETE ON channels_message
        FOR EACH ROW EXECUTE FUNCTION search_message_trigger()""",
    "SELECT search_case_refresh(id) FROM cases_case",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS search_message_changed ON channels_message",
    "DROP TRIGGER IF EXISTS search_customer_changed ON customers_customer",
    "DROP TRIGGER IF EXISTS search_case_truncated ON cases_case",
    "DROP TRIGGER IF EXISTS search_case_changed ON cases_case",
    "DROP FUNCTION IF EXISTS search_message_trigger()",
    "DROP FUNCTION IF EXISTS search_customer_trigger()",
    "DROP FUNCTION IF EXISTS search_case_truncated()",
    "DROP FUNCTION IF EXISTS search_case_trigger()",
    "DROP FUNCTION IF EXISTS search_case_refresh(bigint)",
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
