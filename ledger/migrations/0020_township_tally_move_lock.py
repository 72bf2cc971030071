"""The township roll-up's organization trigger locks the roll-up before recounting moved
townships (ledger.township_tally): PostgreSQL's function is replaced; SQLite's triggers are
unchanged (writers are serialised there)."""

from django.db import migrations


# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.township_tally": {"postgresql": "04e6e02696d33edd"},
}


def reinstall(apps, schema_editor):
    from ledger import township_tally

    if schema_editor.connection.vendor == "postgresql":
        township_tally.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0019_reopen_request_newest_first"),
    ]

    operations = [
        migrations.RunPython(reinstall, reinstall),
    ]
