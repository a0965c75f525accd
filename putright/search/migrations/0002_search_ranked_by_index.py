"""SQLite: the words of a case and of all its messages in one index row, and the identifiers in a plain table,
so a search is counted and its first page ranked by the index alone (see ``search.query``).

- ``search_case_words`` (FTS5, one row per case, rowid = the case's id): subject, the customer's words and
  every message, with prefix indexes of 1–3 characters so "no"* or "ref"* read one list, not every word
  they begin. It replaces ``search_case_text`` and ``search_message_text`` (a message row had to be read
  to learn its case, which made a common word cost a read per message);
- ``search_case_key`` (a plain table, one row per case): the identifiers lower-cased, each in its own column
  so a case's score is worked out from one narrow row, and all of them in ``ids`` for parts too short for
  the trigram index. The trigram index ``search_case_ids`` stays as it was.

PostgreSQL: ``search_case_document`` gains the same lower-cased identifiers, each in its own column (a
case's score from the index row it was found by), and the subject's words as a ``tsvector`` of their own
with a GIN index (the subject's weight in ``document`` can only be checked by reading the whole document).

The SQL is written out here, not imported, so this migration stays what it was when later ones change it
(going back, the tables of 0001 are rebuilt from its own statements).
"""

from importlib import import_module

from django.db import migrations

DIGITS = (
    "replace(replace(replace(replace(replace(replace({p}, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')"
)
PHONE = "{t}.phone || ' ' || " + DIGITS.format(p="{t}.phone")
KEY_ROW = f"""
    SELECT c.id, lower(c.reference), lower(c.order_reference), lower(cu.name), lower(cu.email),
           lower({PHONE.format(t="cu")}), lower(c.subject),
           lower(c.reference || ' ' || cu.name || ' ' || cu.email || ' ' || {PHONE.format(t="cu")}
                 || ' ' || c.order_reference)
    FROM cases_case c JOIN customers_customer cu ON cu.id = c.customer_id
"""
KEY_INSERT = "INSERT INTO search_case_key (id, reference, order_reference, name, email, phone, subject, ids)"
# Every message of a case, oldest first, as one text.
BODIES = "coalesce((SELECT group_concat(body, ' ') FROM (SELECT body FROM channels_message WHERE case_id = {c} ORDER BY id)), '')"
WORDS_REBUILD = "UPDATE search_case_words SET messages = " + BODIES.format(c="{c}") + " WHERE rowid = {c};"

SQLITE_OLD_TRIGGERS = [
    "search_message_deleted", "search_message_changed", "search_message_inserted",
    "search_case_deleted", "search_case_text_changed", "search_case_inserted",
]

SQLITE_CREATE = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_OLD_TRIGGERS),
    "DROP TABLE IF EXISTS search_message_text",
    "DROP TABLE IF EXISTS search_case_text",
    """CREATE VIRTUAL TABLE search_case_words USING fts5(
        subject, words, messages, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
    )""",
    """CREATE TABLE search_case_key (
        id INTEGER PRIMARY KEY, reference TEXT NOT NULL, order_reference TEXT NOT NULL, name TEXT NOT NULL,
        email TEXT NOT NULL, phone TEXT NOT NULL, subject TEXT NOT NULL, ids TEXT NOT NULL
    )""",
    f"{KEY_INSERT} {KEY_ROW}",
    f"""INSERT INTO search_case_words (rowid, subject, words, messages)
        SELECT c.id, c.subject, c.description, {BODIES.format(c="c.id")} FROM cases_case c""",
    f"""CREATE TRIGGER search_case_inserted AFTER INSERT ON cases_case BEGIN
        INSERT INTO search_case_ids (rowid, reference, customer, order_reference)
        SELECT c.id, c.reference,
               cu.name || ' ' || cu.email || ' ' || {PHONE.format(t="cu")}, c.order_reference
        FROM cases_case c JOIN customers_customer cu ON cu.id = c.customer_id WHERE c.id = new.id;
        {KEY_INSERT} {KEY_ROW} WHERE c.id = new.id;
        INSERT INTO search_case_words (rowid, subject, words, messages)
        VALUES (new.id, new.subject, new.description, '');
    END""",
    # Only when a searched field changed: most saves of a case (status, clocks) leave the index alone.
    f"""CREATE TRIGGER search_case_key_changed AFTER UPDATE ON cases_case
    WHEN old.reference IS NOT new.reference OR old.customer_id IS NOT new.customer_id
      OR old.order_reference IS NOT new.order_reference OR old.subject IS NOT new.subject
    BEGIN
        DELETE FROM search_case_key WHERE id = old.id;
        {KEY_INSERT} {KEY_ROW} WHERE c.id = new.id;
    END""",
    """CREATE TRIGGER search_case_text_changed AFTER UPDATE ON cases_case
    WHEN old.subject IS NOT new.subject OR old.description IS NOT new.description
    BEGIN
        UPDATE search_case_words SET subject = new.subject, words = new.description WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_case_deleted AFTER DELETE ON cases_case BEGIN
        DELETE FROM search_case_ids WHERE rowid = old.id;
        DELETE FROM search_case_key WHERE id = old.id;
        DELETE FROM search_case_words WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER search_customer_key_changed AFTER UPDATE ON customers_customer
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone
    BEGIN
        UPDATE search_case_key SET name = lower(new.name), email = lower(new.email),
            phone = lower({PHONE.format(t="new")}),
            ids = lower(reference || ' ' || new.name || ' ' || new.email || ' ' || {PHONE.format(t="new")}
                        || ' ' || order_reference)
        WHERE id IN (SELECT id FROM cases_case WHERE customer_id = new.id);
    END""",
    # A new message is added to its case's row; a changed or deleted one rebuilds the rows it was in.
    """CREATE TRIGGER search_message_inserted AFTER INSERT ON channels_message WHEN new.case_id IS NOT NULL
    BEGIN
        UPDATE search_case_words SET messages = messages || ' ' || new.body WHERE rowid = new.case_id;
    END""",
    f"""CREATE TRIGGER search_message_changed AFTER UPDATE ON channels_message
    WHEN old.body IS NOT new.body OR old.case_id IS NOT new.case_id
    BEGIN
        {WORDS_REBUILD.format(c="old.case_id")}
        {WORDS_REBUILD.format(c="new.case_id")}
    END""",
    f"""CREATE TRIGGER search_message_deleted AFTER DELETE ON channels_message BEGIN
        {WORDS_REBUILD.format(c="old.case_id")}
    END""",
]

SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in [
            "search_message_deleted", "search_message_changed", "search_message_inserted",
            "search_customer_key_changed", "search_case_deleted", "search_case_text_changed",
            "search_case_key_changed", "search_case_inserted",
        ]
    ),
    "DROP TABLE IF EXISTS search_case_key",
    "DROP TABLE IF EXISTS search_case_words",
]


POSTGRES_CREATE = [
    """ALTER TABLE search_case_document
        ADD COLUMN reference text NOT NULL DEFAULT '', ADD COLUMN order_reference text NOT NULL DEFAULT '',
        ADD COLUMN name text NOT NULL DEFAULT '', ADD COLUMN email text NOT NULL DEFAULT '',
        ADD COLUMN phone text NOT NULL DEFAULT '', ADD COLUMN subject text NOT NULL DEFAULT '',
        ADD COLUMN subject_words tsvector NOT NULL DEFAULT ''::tsvector""",
    "CREATE INDEX search_case_document_subject ON search_case_document USING gin (subject_words)",
    r"""CREATE OR REPLACE FUNCTION search_case_refresh(targets bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_case_document (case_id, ids, document, reference, order_reference, name, email,
                                          phone, subject, subject_words)
        SELECT c.id,
               lower(concat_ws(' ', c.reference, cu.name, cu.email, cu.phone,
                               regexp_replace(cu.phone, '\D', '', 'g'), c.order_reference)),
               -- Hyphens become spaces: PostgreSQL's parser reads "HH-172536" as 'hh' and '-172536'.
               setweight(to_tsvector('simple', translate(c.subject, '-', ' ')), 'A')
               || setweight(to_tsvector('simple', translate(c.description, '-', ' ')), 'B')
               || setweight(to_tsvector('simple', translate(coalesce(m.bodies, ''), '-', ' ')), 'C'),
               lower(c.reference), lower(c.order_reference), lower(cu.name), lower(cu.email),
               lower(concat_ws(' ', cu.phone, regexp_replace(cu.phone, '\D', '', 'g'))), lower(c.subject),
               to_tsvector('simple', translate(c.subject, '-', ' '))
        FROM cases_case c
        JOIN customers_customer cu ON cu.id = c.customer_id
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ') AS bodies FROM channels_message WHERE case_id = c.id
        ) m ON true
        WHERE c.id = ANY(targets)
        ON CONFLICT (case_id) DO UPDATE SET ids = EXCLUDED.ids, document = EXCLUDED.document,
            reference = EXCLUDED.reference, order_reference = EXCLUDED.order_reference, name = EXCLUDED.name,
            email = EXCLUDED.email, phone = EXCLUDED.phone, subject = EXCLUDED.subject,
            subject_words = EXCLUDED.subject_words;
    $$""",
    "SELECT search_case_refresh(ARRAY(SELECT id FROM cases_case))",
]

POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_case_document_subject",
    """ALTER TABLE search_case_document DROP COLUMN reference, DROP COLUMN order_reference, DROP COLUMN name,
        DROP COLUMN email, DROP COLUMN phone, DROP COLUMN subject, DROP COLUMN subject_words""",
]


def _first():
    return import_module("putright.search.migrations.0001_case_search_index")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in SQLITE_CREATE if vendor == "sqlite" else POSTGRES_CREATE:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    first = _first()
    if schema_editor.connection.vendor == "sqlite":
        statements = [*SQLITE_DROP, *first.SQLITE_DROP, *first.SQLITE_CREATE]
    else:
        # 0001's function again (it writes only the columns 0001 made), then the columns go.
        refresh = next(s for s in first.POSTGRES_CREATE if s.startswith("CREATE FUNCTION search_case_refresh"))
        statements = [refresh.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1), *POSTGRES_DROP]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_case_search_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
