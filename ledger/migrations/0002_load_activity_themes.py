"""Load the reference list of activity themes from fixtures/activity_themes.json."""

import json
from pathlib import Path

from django.conf import settings
from django.db import migrations


def load_themes(apps, schema_editor):
    theme_model = apps.get_model("ledger", "ActivityTheme")
    path = Path(settings.BASE_DIR) / "fixtures" / "activity_themes.json"
    for order, row in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
        theme_model.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "order": order})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(load_themes, migrations.RunPython.noop)]
