"""Load the three alliance types of seed 003 from fixtures/alliance_types.json."""

import json
from pathlib import Path

from django.conf import settings
from django.db import migrations


def load_types(apps, schema_editor):
    alliance_type = apps.get_model("alliances", "AllianceType")
    path = Path(settings.BASE_DIR) / "fixtures" / "alliance_types.json"
    for order, row in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
        alliance_type.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "colour": row["colour"],
                                        "description": row["description"], "order": order})


class Migration(migrations.Migration):
    dependencies = [("alliances", "0001_initial")]
    operations = [migrations.RunPython(load_types, migrations.RunPython.noop)]
