"""URLs of 结对共建, one module per area (namespace `pairing`)."""

from django.urls import include, path

app_name = "pairing"
urlpatterns = [
    path("", include("pairing.urls_pairings")),
    path("agreements/", include("pairing.urls_agreements")),
    path("needs/", include("pairing.urls_needs")),
    path("meetings/", include("pairing.urls_meetings")),
    path("aid/", include("pairing.urls_aid")),
    path("trends/", include("pairing.urls_trends")),
]
