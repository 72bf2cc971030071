"""Organizations per township, kind and state, kept by triggers on the organizations
(portal.org_tally)."""

from django.db import migrations, models

TRIGGER_DIGESTS = {
    "portal.org_tally": {"sqlite": "8a54c8993e2d0d28", "postgresql": "575c54a32e9a93ff"},
}


def install(apps, schema_editor):
    from portal import org_tally

    org_tally.install_triggers(schema_editor.connection)
    org_tally.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from portal import org_tally

    org_tally.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0014_org_kind_in_tree_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='TownshipOrgTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('township', models.CharField(max_length=8, verbose_name='乡镇路径')),
                ('kind', models.CharField(choices=[('county', '县（区）'), ('township', '乡镇（街道）'), ('village', '村'), ('community', '城市社区'), ('unit', '县直单位'), ('enterprise', '非公企业'), ('park', '工业园区'), ('association', '行业协会'), ('other', '其他')], max_length=16, verbose_name='组织类别')),
                ('is_active', models.BooleanField(verbose_name='启用')),
                ('orgs', models.IntegerField(default=0, verbose_name='组织数')),
            ],
            options={
                'verbose_name': '乡镇组织数汇总',
                'verbose_name_plural': '乡镇组织数汇总',
                'constraints': [models.UniqueConstraint(fields=('township', 'kind', 'is_active'), name='one_township_org_tally')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
