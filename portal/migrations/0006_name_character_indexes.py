"""Indexes for the global search and the org tree at city scale (154,500 people).

The GIN indexes on each name's characters serve `han_icontains` (portal.search): "王" finds its
4,026 people through the index instead of reading every name. They are PostgreSQL only; on
SQLite the lookup is a plain LIKE. The phone index lets the people search's "or exact phone"
use an index too (an OR with an unindexed column reads the table). The partial index of active
people by org lets the org tree count a page of children's people from the index alone.
"""

from django.db import migrations, models

NAME_CHARACTER_INDEXES = [
    ("person_name_chars", "portal_person"),
    ("org_name_chars", "portal_organization"),
]


def create_name_character_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, table in NAME_CHARACTER_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
                              "USING gin (string_to_array(name, NULL))")


def drop_name_character_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _ in NAME_CHARACTER_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0005_job_result"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone"], name="person_phone"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(("is_active", True)), fields=["home_org"],
                               name="person_active_home_org"),
        ),
        migrations.RunPython(create_name_character_indexes, drop_name_character_indexes),
    ]
