"""The unit tally's triggers reinstalled (ledger.unit_tally): a database migrated before keeps
0018's, which recount an activity's cells on any change of status (a confirmation too: a batch
of them locked every cell of their units and could deadlock) and predate the recounts planned
from the rows that change (a move at city scale 200 -> 25 ms); the current activity trigger
runs only when whether an activity counts changes, or its organization, pairing or month while
it counts. Both count the same, so the table is not recounted."""

from django.db import migrations

# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.unit_tally": {"sqlite": "065c2d66a865a1c9", "postgresql": "ba5fdfaf0669fa54"},
}


def reinstall(apps, schema_editor):
    from ledger import unit_tally

    conn = schema_editor.connection
    # The module's current code names its table: absent, there is nothing to keep.
    if unit_tally.TALLY in conn.introspection.table_names():
        unit_tally.install_triggers(conn)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0023_township_tally_lock_per_township"),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
