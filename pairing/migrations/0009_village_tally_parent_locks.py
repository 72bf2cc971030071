"""The village tallies' PostgreSQL trigger functions reinstalled: each child's trigger first
share-locks the parent rows through which it finds its villages (pairing.village_tally's
_parent_locks). SQLite's triggers are unchanged: its writers are serialized."""

from django.db import migrations


# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "pairing.village_tally": {"postgresql": "b39c5060153e619f"},
}


def install(apps, schema_editor):
    from pairing import village_tally

    if schema_editor.connection.vendor == "postgresql":
        village_tally.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('pairing', '0008_need_deadline_tally'),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
