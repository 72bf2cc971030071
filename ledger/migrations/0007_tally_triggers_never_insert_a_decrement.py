"""Re-create the tally triggers: on SQLite a decrement now updates existing rows only, never
inserts one (see ledger.tallies._decrement)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    from ledger import tallies

    if tallies.tables_ready(schema_editor.connection):  # else 0009 does it
        tallies.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_monthly_tallies")]

    operations = [migrations.RunPython(reinstall, reinstall)]
