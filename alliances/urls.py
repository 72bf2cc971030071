"""URLs of the alliances, one module per area (namespace `alliances`)."""

from django.urls import include, path

app_name = "alliances"
urlpatterns = [
    path("", include("alliances.urls_structure")),
    path("venues/", include("alliances.urls_venues")),
    path("inspections/", include("alliances.urls_inspections")),
    path("projects/", include("alliances.urls_projects")),
    path("stars/", include("alliances.urls_stars")),
    path("competitions/", include("alliances.urls_competitions")),
    path("showcase/", include("alliances.urls_showcase")),
    path("meetings/", include("alliances.urls_meetings")),
    path("menu/", include("alliances.urls_menu")),
    path("people/", include("alliances.urls_people")),
]
