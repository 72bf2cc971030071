"""Talents read by home organization through a partial index, instead of a plain index of the
is_city_talent flag (see Person.is_city_talent): the flag's indexes are dropped by name, with
the field's state altered apart, so that SQLite does not rebuild portal_person (a rebuild would
drop the people and talent tallies' triggers on it)."""

from django.conf import settings
from django.db import migrations, models

FLAG_INDEXES = {"portal_person": "portal_person_is_city_talent_ad513cf2",
                "portal_historicalperson": "portal_historicalperson_is_city_talent_f471716c"}


def _flag_field():
    return models.BooleanField(default=False, verbose_name="城市人才")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0012_org_roots"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="historicalperson", name="is_city_talent",
                                      field=_flag_field()),
                migrations.AlterField(model_name="person", name="is_city_talent",
                                      field=_flag_field()),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {index}",
                                  f"CREATE INDEX {index} ON {table} (is_city_talent)")
                for table, index in FLAG_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(("is_active", True), ("is_city_talent", True)),
                               fields=["home_org", "name", "id"], name="person_active_talents"),
        ),
    ]
