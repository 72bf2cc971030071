"""The need tally's PostgreSQL trigger functions reinstalled (pairing.need_tally): databases
migrated before carry 0007's, written before the tallies' DDL moved to portal.trigger_sql
(its functions' layout; the row triggers returned NEW, which an AFTER trigger ignores). They
count the same; the current code's are installed so a database's triggers are what the code
says (tests/portal/test_tally_triggers.py). SQLite's are unchanged."""

from django.db import migrations

# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "pairing.need_tally": {"postgresql": "ceb95b303dc20316"},
}


def reinstall(apps, schema_editor):
    from pairing import need_tally

    conn = schema_editor.connection
    if conn.vendor == "postgresql" and need_tally.TALLY in conn.introspection.table_names():
        need_tally.install_triggers(conn)


class Migration(migrations.Migration):

    dependencies = [
        ("pairing", "0009_village_tally_parent_locks"),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
