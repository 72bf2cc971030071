from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "活动台账"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Capabilities; job handlers (compliance, ledger export); nav and panels; seed_demo's
        # ledger data (registered after pairing's, whose rows it links to).
        from . import compliance_exports, demo, exporters, navigation, scope  # noqa: F401
