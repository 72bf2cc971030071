"""The unit matrix's cells for the whole tree (结对单位月度联系村活动数, ledger.unit_tally):
the table, its triggers, and a count of the activities already there."""

import django.db.models.deletion
from django.db import migrations, models


# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.unit_tally": {"sqlite": "8a7b13be3a2788f0", "postgresql": "1589bd87aa67621f"},
}


def install(apps, schema_editor):
    from ledger import unit_tally

    unit_tally.install_triggers(schema_editor.connection)
    unit_tally.rebuild(schema_editor.connection)


def drop(apps, schema_editor):
    from ledger import unit_tally

    unit_tally.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0017_township_month_tally'),
        ('pairing', '0006_need_tally_labels'),
        ('portal', '0009_org_people_tally_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='PairedUnitMonthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name='ID')),
                ('month', models.DateField(verbose_name='月份')),
                ('activities', models.IntegerField(default=0, verbose_name='联系村活动数')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name='+', to='portal.organization',
                                           verbose_name='结对单位')),
            ],
            options={
                'verbose_name': '结对单位月度联系村活动数',
                'verbose_name_plural': '结对单位月度联系村活动数',
                'indexes': [models.Index(fields=['month', 'unit', 'activities'],
                                         name='paired_unit_tally_month')],
                'constraints': [models.UniqueConstraint(fields=('unit', 'month'),
                                                        name='one_paired_unit_month_tally')],
            },
        ),
        migrations.RunPython(install, drop),
    ]
