from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "基础数据"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import exporters, navigation, signals  # noqa: F401
