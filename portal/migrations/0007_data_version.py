"""The data version behind the cached fragments (portal.fragments): a sequence on PostgreSQL
(moving it on takes no lock, so writers never wait for one another), a one-row table on SQLite.
"""

from django.db import migrations

VERSION_TABLE = "portal_data_version"  # portal.fragments.VERSION_TABLE


def create_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {VERSION_TABLE}")
    else:
        schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} "
                              "(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        schema_editor.execute(f"INSERT OR IGNORE INTO {VERSION_TABLE} (id, n) VALUES (1, 1)")


def drop_version(apps, schema_editor):
    kind = "SEQUENCE" if schema_editor.connection.vendor == "postgresql" else "TABLE"
    schema_editor.execute(f"DROP {kind} IF EXISTS {VERSION_TABLE}")
    schema_editor.connection.fragment_version_store = False


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0006_name_character_indexes"),
    ]

    operations = [
        migrations.RunPython(create_version, drop_version, elidable=False),
    ]
