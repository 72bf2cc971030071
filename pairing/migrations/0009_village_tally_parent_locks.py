"""The village tallies' PostgreSQL trigger functions reinstalled: each child's trigger first
share-locks the parent rows through which it finds its villages (pairing.village_tally's
_parent_locks). SQLite's triggers are unchanged: its writers are serialized."""

from django.db import migrations


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
