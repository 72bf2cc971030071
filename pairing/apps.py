from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = "结对共建"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Capabilities and the paired-village scope; job handlers (aid_ledger); nav and panels.
        # pairing.demo is loaded by portal.demo only when seed_demo runs.
        from . import (  # noqa: F401  (trend_panels: the home-page needs trend chart)
            exporters,
            list_exporters,
            navigation,
            org_sections,
            scope,
            trend_panels,
        )
