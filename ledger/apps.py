from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "活动台账"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import scope  # noqa: F401  (ledger capabilities per role)
