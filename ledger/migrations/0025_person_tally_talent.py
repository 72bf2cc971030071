"""The person tallies' city-talent flag (ledger.talent_flag): the column, its triggers, the
flags of the rows already there, then the partial index of the talents' rows (built once,
after the flags are set)."""

from django.db import migrations, models

# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.talent_flag": {"sqlite": "ba243a4f858b9949", "postgresql": "7b020f2a06954433"},
}


def drop_tallies(apps, schema_editor):
    """The tallies' triggers off while the table changes: SQLite rebuilds it to add the
    column, and refuses to while triggers name it (as in 0014)."""
    from ledger import tallies

    conn = schema_editor.connection
    conn.ledger_tallies_were_kept = tallies.triggers_present(conn)
    tallies.drop_triggers(conn)


def install(apps, schema_editor):
    """The tallies' triggers again (if they were there), the flag's, and the flags of the rows
    already there."""
    from ledger import talent_flag, tallies

    conn = schema_editor.connection
    if getattr(conn, "ledger_tallies_were_kept", True):
        tallies.install_triggers(conn)
    talent_flag.install_triggers(conn)
    talent_flag.rebuild(conn)


def drop_flag(apps, schema_editor):
    """Back to 0024: the flag's triggers go, the tallies' are dropped while the column goes."""
    from ledger import talent_flag, tallies

    conn = schema_editor.connection
    talent_flag.drop_triggers(conn)
    tallies.drop_triggers(conn)


def install_tallies(apps, schema_editor):
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0024_unit_tally_triggers_reinstalled"),
        ("portal", "0014_org_kind_in_tree_order"),
    ]

    operations = [
        migrations.RunPython(drop_tallies, install_tallies),
        migrations.AddField(
            model_name="personmonthtally",
            name="talent",
            field=models.BooleanField(db_default=False, editable=False, verbose_name="城市人才"),
        ),
        migrations.RunPython(install, drop_flag),
        migrations.AddIndex(
            model_name="personmonthtally",
            index=models.Index(condition=models.Q(("talent", True)),
                               fields=["org", "month", "person", "participations"],
                               name="person_tally_talents"),
        ),
    ]
