"""Re-create the tally triggers: on PostgreSQL the talent tally's statements share-lock the
people first, so a talent flag changing during a save waits for it (ledger.tallies._lock_people)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_org_tally_covering_index")]

    # Back to 0011 the locking triggers stay: they suit that schema as well.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
