import axes.apps
from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "基础数据"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import exporters, fragments, import_jobs, list_exports, navigation, signals  # noqa: F401


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a Chinese name in the admin index."""

    verbose_name = "登录安全"
