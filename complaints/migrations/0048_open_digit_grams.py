# Issue 17: a caller's last four digits are in ~1,650 of 1,000,000 complaints, each then tested for a
# task in the user's lists or for its process being open (12-17 ms, DB p95). The lists of open work
# (inbox, queue, breached, the complaint list) search only the complaints with work open (0047):
# their digit grams, on PostgreSQL, in an index of those alone (~170 of the 1,650;
# complaints.selectors.worklist._fuzzy_search). Same function and columns as 0046's index.

from django.db import migrations

INDEX = """
CREATE INDEX CONCURRENTLY complaint_open_digit_grams ON complaints_complaint
USING gin (redress_digit_grams(customer_phone, reference, order_number, plate_or_vin, customer_name))
WHERE work_open
"""
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('complaint_open_digit_grams') AND NOT indisvalid"


def open_digit_grams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INTERRUPTED)
        if cursor.fetchone():
            schema_editor.execute("DROP INDEX CONCURRENTLY complaint_open_digit_grams")
        cursor.execute("SELECT to_regclass('complaint_open_digit_grams')")
        if cursor.fetchone()[0] is None:
            schema_editor.execute(INDEX)
    # 0047 wrote a new version of every open complaint, each an entry in the pending list of every
    # trigram index (GIN's fast update): until a vacuum merges them, every name or plate search reads
    # them all (3 -> 19 ms at 1,000,000). A vacuum without a lock on writes, 4 s there.
    schema_editor.execute("VACUUM (ANALYZE) complaints_complaint")


def open_digit_grams_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS complaint_open_digit_grams")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0047_work_open"),
    ]

    operations = [
        migrations.RunPython(open_digit_grams, open_digit_grams_drop),
    ]
