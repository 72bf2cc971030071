"""The org tally counts participations (参加人次) too: the triggers keep them, and the tallies
already there are recounted (the month's org rows are summed instead of its person rows)."""

from django.db import migrations, models


def drop(apps, schema_editor):
    """Triggers off while the table changes: SQLite rebuilds it to add the column, and refuses
    to while triggers name it. Whether they were there decides what `install` recounts."""
    from ledger import tallies

    conn = schema_editor.connection
    conn.ledger_tallies_were_kept = tallies.triggers_present(conn)
    tallies.drop_triggers(conn)


def install(apps, schema_editor):
    """The triggers, now keeping the participations, then the org tallies of the rows already
    there (every tally when the triggers were missing, as in 0009)."""
    from ledger import tallies

    conn = schema_editor.connection
    tallies.install_triggers(conn, participations=True)
    kept = getattr(conn, "ledger_tallies_were_kept", True)
    tallies.rebuild_tallies(models=[tallies.OrgMonthTally] if kept else None)


def drop_again(apps, schema_editor):
    from ledger import tallies

    tallies.drop_triggers(schema_editor.connection)


def install_before(apps, schema_editor):
    """Back to 0013: the triggers as they were (the column is gone)."""
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection, participations=False)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0013_tallies_lock_participants_and_orgs'),
        ('pairing', '0004_need_board_indexes'),
        ('portal', '0007_data_version'),
    ]

    operations = [
        migrations.RunPython(drop, install_before),
        migrations.RemoveIndex(
            model_name='orgmonthtally',
            name='org_tally_month_covering',
        ),
        migrations.AddField(
            model_name='orgmonthtally',
            name='participations',
            field=models.IntegerField(db_default=0, default=0, verbose_name='参加人次'),
        ),
        migrations.AddIndex(
            model_name='orgmonthtally',
            index=models.Index(fields=['month', 'org', 'activities', 'participations'],
                               name='org_tally_month_people'),
        ),
        migrations.RunPython(install, drop_again),
    ]
