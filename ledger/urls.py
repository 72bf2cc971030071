"""URLs of the ledger, one module per area (namespace `ledger`)."""

from django.urls import include, path

app_name = "ledger"
urlpatterns = [
    path("", include("ledger.urls_activities")),
    path("compliance/", include("ledger.urls_compliance")),
    path("requests/", include("ledger.urls_requests")),
    path("reports/", include("ledger.urls_reports")),
    path("exports/", include("ledger.urls_exports")),
    path("trends/", include("ledger.urls_trends")),
]
