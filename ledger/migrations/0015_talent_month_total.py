"""Talent totals (城市人才月度合计): a month's talents active and their participations in 16
buckets, kept by triggers on the talent tally, so the whole-tree talent matrix sums a year's
buckets instead of reading every talent tally of the year; the totals of the tallies already
there are counted."""

from django.db import migrations, models


def drop(apps, schema_editor):
    """Triggers off while the schema changes (as 0014)."""
    from ledger import tallies

    tallies.drop_triggers(schema_editor.connection)


def install(apps, schema_editor):
    """Every trigger, now with those keeping the totals, then the totals of the tallies."""
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection, totals=True)
    tallies.recount_totals()


def drop_again(apps, schema_editor):
    from ledger import tallies

    tallies.drop_triggers(schema_editor.connection)


def install_before(apps, schema_editor):
    """Back to 0014: the triggers as they were (the totals' table is gone)."""
    from ledger import tallies

    tallies.install_triggers(schema_editor.connection, totals=False)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0014_org_tally_participations'),
    ]

    operations = [
        migrations.RunPython(drop, install_before),
        migrations.CreateModel(
            name='TalentMonthTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name='ID')),
                ('month', models.DateField(verbose_name='月份')),
                ('bucket', models.SmallIntegerField(verbose_name='分桶')),
                ('talents', models.IntegerField(default=0, verbose_name='参加人才数')),
                ('participations', models.IntegerField(default=0, verbose_name='参加次数')),
            ],
            options={
                'verbose_name': '城市人才月度合计',
                'verbose_name_plural': '城市人才月度合计',
                'constraints': [models.UniqueConstraint(fields=('month', 'bucket'),
                                                        name='one_talent_month_total')],
            },
        ),
        migrations.RunPython(install, drop_again),
    ]
