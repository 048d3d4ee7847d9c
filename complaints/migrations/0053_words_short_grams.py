# Issue 17: the managers' list looks for a word of one or two characters (漏水: a common length in
# Chinese; no trigram) among the complaints holding each of its characters (migration 0051's
# complaint_words_characters), then tests each of them for the word. Two characters common apart but
# never side by side (发机, in every complaint that says 发动机) left every such complaint to test:
# 211 ms at 1,000,000 complaints, growing with them.
#
# This index holds each character and each pair of adjacent characters of the same joined value,
# upper-cased: a word of one or two characters is one key, and the complaints under it are exactly
# those holding the word (a pair across two values holds their line break, which no word holds). It
# replaces the characters' index (107 MB against 44 MB at 1,000,000; built in about a minute).
#
# The function is the one the selector's ROW_WORDS_SHORT_GRAMS reads (complaints.selectors.worklist).
# SQLite keeps its plain scan.

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION redress_short_grams(value text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(value, NULL)
      || ARRAY(SELECT substr(value, i, 2) FROM generate_series(1, length(value) - 1) AS i)
$$
"""
WORDS = (
    "redress_searched_words(reference, customer_words, handler_understanding, product_model, order_number, "
    "batch_number)"
)
NEW, NEW_DEFINITION = "complaint_words_grams", f"USING gin (redress_short_grams(UPPER({WORDS})))"
OLD, OLD_DEFINITION = "complaint_words_characters", f"USING gin (string_to_array(UPPER({WORDS}), NULL))"
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid"


def build(schema_editor, name, definition):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INTERRUPTED, [name])
        if cursor.fetchone():
            schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY {name} ON complaints_complaint {definition}")


def short_grams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    build(schema_editor, NEW, NEW_DEFINITION)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")


def characters_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    build(schema_editor, OLD, OLD_DEFINITION)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")
    schema_editor.execute("DROP FUNCTION IF EXISTS redress_short_grams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0052_complaint_exports"),
    ]

    operations = [
        migrations.RunPython(short_grams, characters_again),
    ]
