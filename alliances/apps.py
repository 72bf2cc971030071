"""党建联盟 (alliances)."""
from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "党建联盟"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Nav items and panels (they import the scope), then the export job handlers.
        from . import exporters, navigation, org_sections  # noqa: F401
