from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "党建联盟"
    default_auto_field = "django.db.models.BigAutoField"
