"""Township roll-up (乡镇月度活动汇总): the org tallies summed per township path prefix, org
kind, org state and month, kept by triggers on the org tally (ledger/township_tally.py), so the
county-wide columns of 履职情况, the county home's trends and 每月调度 read a few hundred rows
instead of a year of org tallies; the roll-up of the tallies already there is counted."""

from django.db import migrations, models


# Digests of the trigger definitions this migration installed (per database, from the code of
# its day); the last migration declaring a tally's must match its current code
# (tests/portal/test_tally_triggers.py), so a trigger changed later needs a new migration.
TRIGGER_DIGESTS = {
    "ledger.tallies": {"sqlite": "f8907a7bae45d999", "postgresql": "8af546037e5e99b6"},
    "ledger.township_tally": {"sqlite": "ef2b699322edbf71"},
}


def install(apps, schema_editor):
    """Every trigger, now with the roll-up's, then the roll-up of the org tallies."""
    from ledger import tallies, township_tally

    tallies.install_triggers(schema_editor.connection)
    township_tally.rebuild(conn=schema_editor.connection)


def drop(apps, schema_editor):
    """Back to 0016: the roll-up's triggers go before its table."""
    from ledger import township_tally

    township_tally.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0016_activity_date_id_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='TownshipMonthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name='ID')),
                ('township', models.CharField(max_length=8, verbose_name='乡镇路径')),
                ('kind', models.CharField(choices=[
                    ('county', '县（区）'), ('township', '乡镇（街道）'), ('village', '村'),
                    ('community', '城市社区'), ('unit', '县直单位'), ('enterprise', '非公企业'),
                    ('park', '工业园区'), ('association', '行业协会'), ('other', '其他')],
                    max_length=16, verbose_name='组织类别')),
                ('org_active', models.BooleanField(verbose_name='组织启用')),
                ('month', models.DateField(verbose_name='月份')),
                ('activities', models.IntegerField(default=0, verbose_name='活动数')),
                ('participations', models.IntegerField(default=0, verbose_name='参加人次')),
                ('active_orgs', models.IntegerField(default=0, verbose_name='开展活动的组织数')),
            ],
            options={
                'verbose_name': '乡镇月度活动汇总',
                'verbose_name_plural': '乡镇月度活动汇总',
                'indexes': [models.Index(fields=['month', 'township'],
                                         name='township_tally_month')],
                'constraints': [models.UniqueConstraint(
                    fields=('township', 'kind', 'org_active', 'month'),
                    name='one_township_month_tally')],
            },
        ),
        migrations.RunPython(install, drop),
    ]
