"""PostgreSQL: the words of a case in a narrow table of their own, so a common word is counted and ranked
without reading each match's identifiers, and the identifiers without reading the words (see ``search.query``).

Until now one row of ``search_case_document`` held a case's identifiers and the ``tsvector`` of all its
texts (about 1.4 kB, inline: PostgreSQL moves a value out of line only when the row passes 2 kB), so the
GIN index's matches for a common word ("refund": 15,000 cases) were each a visit to a wide row, and the
table was larger than the server's shared buffers. Now:

- ``search_case_words`` (one row per case): ``words``, the case's texts (subject, the customer's words,
  every message) and ``subject``, the subject's alone, each with its GIN index. Both are stripped of
  positions and weights: a search only asks whether a case holds words by their beginnings (no phrases,
  no weights; the subject has its own column), and a stripped ``tsvector`` is about half as wide;
- ``search_case_document`` keeps the identifiers (``ids`` and its trigram index, and the lower-cased
  columns a score is worked out from) and loses ``document`` and ``subject_words``.

The same function, ``search_case_refresh``, writes both tables, and the triggers of 0001 call it as before;
the ones that delete and truncate now empty both. SQLite: nothing changes.

The SQL is written out here, not imported, so this migration stays what it was when later ones change it
(going back, 0002's columns and function are restored and refilled).
"""

from importlib import import_module

from django.db import migrations

POSTGRES_CREATE = [
    """CREATE TABLE search_case_words (
        case_id bigint PRIMARY KEY,
        words tsvector NOT NULL,
        subject tsvector NOT NULL
    )""",
    """INSERT INTO search_case_words (case_id, words, subject)
        SELECT case_id, strip(document), strip(subject_words) FROM search_case_document""",
    "CREATE INDEX search_case_words_words ON search_case_words USING gin (words)",
    "CREATE INDEX search_case_words_subject ON search_case_words USING gin (subject)",
    "DROP INDEX IF EXISTS search_case_document_subject",
    "DROP INDEX IF EXISTS search_case_document_words",
    "ALTER TABLE search_case_document DROP COLUMN document, DROP COLUMN subject_words",
    # Dropped columns keep their space until the table is rewritten: rewrite it, in the order of its cases.
    "CLUSTER search_case_document USING search_case_document_pkey",
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
        -- Hyphens become spaces: PostgreSQL's parser reads "HH-172536" as 'hh' and '-172536'.
        INSERT INTO search_case_words (case_id, words, subject)
        SELECT c.id,
               strip(to_tsvector('simple', translate(c.subject, '-', ' '))
                     || to_tsvector('simple', translate(c.description, '-', ' '))
                     || to_tsvector('simple', translate(coalesce(m.bodies, ''), '-', ' '))),
               strip(to_tsvector('simple', translate(c.subject, '-', ' ')))
        FROM cases_case c
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ') AS bodies FROM channels_message WHERE case_id = c.id
        ) m ON true
        WHERE c.id = ANY(targets)
        ON CONFLICT (case_id) DO UPDATE SET words = EXCLUDED.words, subject = EXCLUDED.subject;
    $$""",
    """CREATE OR REPLACE FUNCTION search_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_case_document WHERE case_id IN (SELECT id FROM old_rows);
        DELETE FROM search_case_words WHERE case_id IN (SELECT id FROM old_rows);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION search_case_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_case_document, search_case_words;
        RETURN NULL;
    END $$""",
]


def _earlier(name: str):
    return import_module(f"putright.search.migrations.{name}")


def _function(statements: list[str], name: str) -> str:
    """An earlier migration's ``CREATE [OR REPLACE] FUNCTION name``, as a ``CREATE OR REPLACE``."""
    for statement in statements:
        for prefix in ("CREATE FUNCTION ", "CREATE OR REPLACE FUNCTION "):
            if statement.lstrip().startswith(prefix + name + "("):
                return "CREATE OR REPLACE FUNCTION " + statement.lstrip()[len(prefix) :]
    raise LookupError(name)


def _postgres_drop() -> list[str]:
    first, second = _earlier("0001_case_search_index"), _earlier("0002_search_ranked_by_index")
    return [
        # 0001's delete and truncate functions, 0002's columns and refresh function, every row refilled.
        _function(first.POSTGRES_CREATE, "search_case_deleted"),
        _function(first.POSTGRES_CREATE, "search_case_truncated"),
        """ALTER TABLE search_case_document ADD COLUMN document tsvector NOT NULL DEFAULT ''::tsvector,
            ADD COLUMN subject_words tsvector NOT NULL DEFAULT ''::tsvector""",
        _function(second.POSTGRES_CREATE, "search_case_refresh"),
        "SELECT search_case_refresh(ARRAY(SELECT id FROM cases_case))",
        "CREATE INDEX search_case_document_words ON search_case_document USING gin (document)",
        "CREATE INDEX search_case_document_subject ON search_case_document USING gin (subject_words)",
        "DROP TABLE IF EXISTS search_case_words",
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
    dependencies = [("search", "0002_search_ranked_by_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
