"""URLs of assessment, one module per area (namespace `assessment`)."""

from django.urls import include, path

app_name = "assessment"
urlpatterns = [
    path("rankings/", include("assessment.urls_rankings")),
    path("scoring/", include("assessment.urls_scoring")),
    path("results/", include("assessment.urls_results")),
    path("imports/", include("assessment.urls_imports")),
    path("", include("assessment.urls_people")),
]
