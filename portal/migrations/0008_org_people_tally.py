"""People per organization, kept by triggers on the people table (portal.people_tally)."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from portal import people_tally

    people_tally.install_triggers(schema_editor.connection)
    people_tally.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from portal import people_tally

    people_tally.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0007_data_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrgPeopleTally',
            fields=[
                ('org', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='portal.organization')),
                ('people', models.IntegerField(default=0)),
                ('active', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': '人员数汇总',
                'verbose_name_plural': '人员数汇总',
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
