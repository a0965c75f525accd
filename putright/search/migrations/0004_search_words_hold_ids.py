"""PostgreSQL: ``search_case_words`` holds the identifiers too (``ids``, with a trigram index of its own), so a
search of several parts is answered by one bitmap over both indexes of one table (see ``search.query``).

Until now a part of a term was looked for in the identifiers (``search_case_document``) and, for each case
whose identifiers lacked it, in that case's words (``search_case_words``): "George White" visited the 4,800
cases whose identifiers hold "george" or "white" and then, for those lacking one of the names, the words of
each (rows of about 1 kB): some 10,000 row visits for about 250 matches. With ``ids`` beside ``words`` in one
row, the condition — per part, its trigrams in ``ids`` OR its words in ``words``, all ANDed — is one
BitmapAnd of BitmapOrs over the two GIN indexes of one table, and only the rows that can match are read.
``search_case_document`` stays as it was: the narrow table for a term of one part and the score.

Both tables are emptied and refilled from the cases by the new ``search_case_refresh`` (the same function the
triggers of 0001 call), their indexes built after the rows are in, and analysed. SQLite: nothing changes.

The SQL is written out here, not imported, so this migration stays what it was when later ones change it
(going back, 0003's function is restored, the column and its index dropped, and both tables refilled).
"""

from importlib import import_module

from django.db import migrations

# The indexes rebuilt after a refill (a GIN index is built far faster at once than row by row).
INDEXES = [
    ("search_case_document_parts", "CREATE INDEX search_case_document_parts ON search_case_document USING gin (ids gin_trgm_ops)"),
    ("search_case_words_words", "CREATE INDEX search_case_words_words ON search_case_words USING gin (words)"),
    ("search_case_words_subject", "CREATE INDEX search_case_words_subject ON search_case_words USING gin (subject)"),
]

EMPTY = [
    "TRUNCATE search_case_document, search_case_words",
    *(f"DROP INDEX IF EXISTS {name}" for name, _ in INDEXES),
]
FILL = [
    "SELECT search_case_refresh(ARRAY(SELECT id FROM cases_case))",
    *(create for _, create in INDEXES),
]
# The planner's statistics for the refilled tables (a search's plan rests on them).
ANALYZE = ["ANALYZE search_case_document", "ANALYZE search_case_words"]

POSTGRES_CREATE = [
    *EMPTY,
    "ALTER TABLE search_case_words ADD COLUMN ids text NOT NULL",
    r"""CREATE OR REPLACE FUNCTION search_case_refresh(targets bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_case_document (case_id, ids, reference, order_reference, name, email, phone, subject)
        SELECT c.id,
               lower(concat_ws(' ', c.reference, cu.name, cu.email, cu.phone,
                               regexp_replace(cu.phone, '\D', '', 'g'), c.order_reference)),
               lower(c.reference), lower(c.order_reference), lower(cu.name), lower(cu.email),
               lower(concat_ws(' ', cu.phone, regexp_replace(cu.phone, '\D', '', 'g'))), lower(c.subject)
        FROM cases_case c
        JOIN customers_customer cu ON cu.id = c.customer_id
        WHERE c.id = ANY(targets)
        ON CONFLICT (case_id) DO UPDATE SET ids = EXCLUDED.ids,
            reference = EXCLUDED.reference, order_reference = EXCLUDED.order_reference, name = EXCLUDED.name,
            email = EXCLUDED.email, phone = EXCLUDED.phone, subject = EXCLUDED.subject;
        -- The same identifiers beside the words. Hyphens become spaces in the words: PostgreSQL's parser
        -- reads "HH-172536" as 'hh' and '-172536'.
        INSERT INTO search_case_words (case_id, ids, words, subject)
        SELECT c.id,
               lower(concat_ws(' ', c.reference, cu.name, cu.email, cu.phone,
                               regexp_replace(cu.phone, '\D', '', 'g'), c.order_reference)),
               strip(to_tsvector('simple', translate(c.subject, '-', ' '))
                     || to_tsvector('simple', translate(c.description, '-', ' '))
                     || to_tsvector('simple', translate(coalesce(m.bodies, ''), '-', ' '))),
               strip(to_tsvector('simple', translate(c.subject, '-', ' ')))
        FROM cases_case c
        JOIN customers_customer cu ON cu.id = c.customer_id
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ') AS bodies FROM channels_message WHERE case_id = c.id
        ) m ON true
        WHERE c.id = ANY(targets)
        ON CONFLICT (case_id) DO UPDATE SET ids = EXCLUDED.ids, words = EXCLUDED.words, subject = EXCLUDED.subject;
    $$""",
    *FILL,
    "CREATE INDEX search_case_words_ids ON search_case_words USING gin (ids gin_trgm_ops)",
    *ANALYZE,
]


def _postgres_drop() -> list[str]:
    third = import_module("putright.search.migrations.0003_search_words_narrow")
    refresh = next(s for s in third.POSTGRES_CREATE if s.startswith("CREATE OR REPLACE FUNCTION search_case_refresh("))
    return [
        "DROP INDEX IF EXISTS search_case_words_ids",
        "ALTER TABLE search_case_words DROP COLUMN ids",
        *EMPTY,
        refresh,
        *FILL,
        *ANALYZE,
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _postgres_drop():
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_search_words_narrow")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
