"""Re-create the tally triggers: on PostgreSQL the activity and participation triggers share-lock
every participant of the activities they count and the activities' organizations before writing
any tally, so a person moving or an organization changing kind during a save waits for it, or
the save for it (ledger.tallies._locks)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0012_talent_tally_locks_people")]

    # Back to 0012 the locking triggers stay: they suit that schema as well.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
