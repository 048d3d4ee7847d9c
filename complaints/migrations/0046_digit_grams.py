# Issue 17: a search by part of a phone number (a caller's last four digits, 尾号) read the trigram
# indexes of the phone, the order number and the reference, whose posting lists are long for a string
# of digits (a thousand possible trigrams): DB p95 6.5-7 ms at 1,000,000 complaints. On PostgreSQL
# an index of every four-digit run in the searched values answers it from one short posting list per
# four digits typed (complaints.selectors.worklist.digit_grams). SQLite keeps its plain scan.
#
# The function's gram length (4) and its columns, in this order, are read by the selector's
# ROW_DIGIT_GRAMS: a change to either is a new migration and a change there.

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION redress_digit_grams(VARIADIC parts text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(run[1], i, 4)), '{}')
  FROM unnest(parts) AS part,
       regexp_matches(part, '[0-9]{4,}', 'g') AS run,
       generate_series(1, length(run[1]) - 3) AS i
$$
"""

# Built without blocking registrations on a database that already holds a year of complaints.
INDEX = """
CREATE INDEX CONCURRENTLY complaint_digit_grams ON complaints_complaint
USING gin (redress_digit_grams(customer_phone, reference, order_number, plate_or_vin, customer_name))
"""
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('complaint_digit_grams') AND NOT indisvalid"


def digit_grams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INTERRUPTED)
        if cursor.fetchone():
            schema_editor.execute("DROP INDEX CONCURRENTLY complaint_digit_grams")
        cursor.execute("SELECT to_regclass('complaint_digit_grams')")
        if cursor.fetchone()[0] is None:
            schema_editor.execute(INDEX)


def digit_grams_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS complaint_digit_grams")
    schema_editor.execute("DROP FUNCTION IF EXISTS redress_digit_grams(VARIADIC text[])")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0045_name_exact"),
    ]

    operations = [
        migrations.RunPython(digit_grams, digit_grams_drop),
    ]
