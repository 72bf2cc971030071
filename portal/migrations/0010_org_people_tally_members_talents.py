"""The people tally counts the party members and city talents 在册 too (the home page's 数据概览
sums them instead of counting the people in scope): the triggers keep them, and the table is
recounted."""

from django.db import migrations, models


# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "portal.people_tally": {"sqlite": "812d7043716fe31e", "postgresql": "843024d0a42ca9a1"},
}


def drop(apps, schema_editor):
    """Triggers off while the table changes: SQLite rebuilds it to add a column, and refuses
    to while triggers name it."""
    from portal import people_tally

    people_tally.drop_triggers(schema_editor.connection)


def install(apps, schema_editor):
    """The triggers, now keeping the members and talents, then a recount of every figure."""
    from portal import people_tally

    people_tally.install_triggers(schema_editor.connection)
    people_tally.rebuild(schema_editor.connection)


def install_before(apps, schema_editor):
    """Back to 0009: the triggers as they were (the columns are gone)."""
    from portal import people_tally

    people_tally.install_triggers(schema_editor.connection, people_tally.FIGURES_BEFORE_0010)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0009_org_people_tally_labels'),
    ]

    operations = [
        migrations.RunPython(drop, install_before),
        migrations.AddField(
            model_name='orgpeopletally',
            name='members',
            field=models.IntegerField(db_default=0, default=0, verbose_name='在册党员数'),
        ),
        migrations.AddField(
            model_name='orgpeopletally',
            name='talents',
            field=models.IntegerField(db_default=0, default=0, verbose_name='在册城市人才数'),
        ),
        migrations.RunPython(install, drop),
    ]
