"""台账导出 (namespace `ledger`, under exports/)."""

from django.urls import path

from ledger.views import exports

urlpatterns = [
    path("", exports.LedgerExportView.as_view(), name="ledger_export"),
]
