from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "活动台账"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Capabilities; job handlers (compliance, ledger export); nav and panels. ledger.demo
        # is loaded by portal.demo only when seed_demo runs.
        from . import (  # noqa: F401
            alliance_planning,
            compliance_exports,
            exporters,
            navigation,
            org_sections,
            scope,
            trend_panels,
        )

        # Scheduling an alliance service-menu item plans a draft activity here.
        alliance_planning.register()
