"""The township roll-up's triggers lock per township instead of the whole roll-up
(ledger.township_tally.LOCK_CLASS): an organization's change recounting its townships
waits only for their writers, and saves elsewhere no longer queue behind it. PostgreSQL's
functions are replaced; SQLite's triggers are unchanged (writers are serialised there).

Going back installs the module's current code too (migration 0020's table lock is not kept
anywhere to return to)."""

from django.db import migrations

# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.township_tally": {"postgresql": "20e4bacbbd3f00f6"},
}


def reinstall(apps, schema_editor):
    from ledger import township_tally

    if schema_editor.connection.vendor == "postgresql":
        township_tally.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0022_person_tally_org_month_all"),
    ]

    operations = [
        migrations.RunPython(reinstall, reinstall),
    ]
