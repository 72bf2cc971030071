from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = "结对共建"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Capabilities and the paired-village scope; job handlers (aid_ledger); nav and panels;
        # the demo data extension of seed_demo.
        from . import demo, exporters, navigation, scope  # noqa: F401
