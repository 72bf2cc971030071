"""Needs per village and month, kept by triggers on the needs and claims (pairing.need_tally)."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from pairing import need_tally

    need_tally.install_triggers(schema_editor.connection)
    need_tally.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from pairing import need_tally

    need_tally.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('pairing', '0004_need_board_indexes'),
        ('portal', '0008_org_people_tally'),
    ]

    operations = [
        migrations.CreateModel(
            name='NeedMonthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('published', models.IntegerField(default=0)),
                ('claimed', models.IntegerField(default=0)),
                ('confirmed', models.IntegerField(default=0)),
                ('village_org', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='portal.organization')),
            ],
            options={
                'verbose_name': '需求月度汇总',
                'verbose_name_plural': '需求月度汇总',
                'indexes': [models.Index(fields=['month'], name='need_tally_by_month')],
                'constraints': [models.UniqueConstraint(fields=('village_org', 'month'), name='need_tally_one_per_village_month')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
