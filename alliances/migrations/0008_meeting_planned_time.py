"""联盟例会: the planned meetings by time (a partial index the upcoming page walks in order)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0007_meeting_cancel_reason_photo_thumbnail_menu_withdraw_reason"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(condition=models.Q(("status", "planned")),
                               fields=["starts_at", "id"], name="meeting_planned_time"),
        ),
    ]
