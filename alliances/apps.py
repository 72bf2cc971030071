"""党建联盟 (alliances)."""
from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "党建联盟"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import navigation  # noqa: F401  (nav items and panels; imports the scope)
