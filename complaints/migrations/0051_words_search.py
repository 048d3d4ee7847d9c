# Issue 17: the managers' complaint list (web.dashboard.lists) looks for each word of its search in
# six values (icontains), none of them indexed together: PostgreSQL tested every complaint (2.8-3.8 s
# for a rare word at 1,000,000). As migration 0013 does for the staff lists' search (a trigram index
# of each searched column, upper-cased, for LIKE '%…%'), one trigram index here, of the six values
# joined by a line break (no word of a search holds one: it is split on whitespace), so that a word
# found in the joined value is a word found in one of them; one index condition per word.
#
# A word of one or two characters (漏水) has no trigram. A second, smaller index holds the characters
# of the same joined value (string_to_array, one key per distinct character): a word is only in the
# complaints holding each of its characters, which narrows a rare short word to a few rows.
#
# The function is the one the selector's ROW_WORDS reads (complaints.selectors.worklist): a change to
# its columns or their order is a new migration and a change there. SQLite keeps its plain scan.

from django.db import migrations

# An SQL function of `||` and coalesce (all immutable): PostgreSQL inlines it in the index's
# expression and in the query's alike, so a row's test costs no function call.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION redress_searched_words(
    reference text, customer_words text, handler_understanding text, product_model text,
    order_number text, batch_number text
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(reference, '') || E'\n' || coalesce(customer_words, '') || E'\n'
      || coalesce(handler_understanding, '') || E'\n' || coalesce(product_model, '') || E'\n'
      || coalesce(order_number, '') || E'\n' || coalesce(batch_number, '')
$$
"""

WORDS = (
    "redress_searched_words(reference, customer_words, handler_understanding, product_model, order_number, "
    "batch_number)"
)
# Built without blocking registrations on a database that already holds a year of complaints. The
# expressions are the ones the selector writes: icontains on ROW_WORDS (UPPER(…::text)), and
# ROW_WORDS_CHARACTERS.
INDEXES = {
    "complaint_words_trgm": f"USING gin (UPPER({WORDS}::text) gin_trgm_ops)",
    "complaint_words_characters": f"USING gin (string_to_array(UPPER({WORDS}), NULL))",
}
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid"


def words_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, definition in INDEXES.items():
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INTERRUPTED, [name])
            if cursor.fetchone():
                schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                schema_editor.execute(f"CREATE INDEX CONCURRENTLY {name} ON complaints_complaint {definition}")


def words_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS redress_searched_words(text, text, text, text, text, text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0050_complaint_case_filters"),
    ]

    operations = [
        migrations.RunPython(words_indexes, words_indexes_drop),
    ]
