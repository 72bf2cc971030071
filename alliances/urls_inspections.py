"""URLs of alliances: inspections (filled in with its views)."""

urlpatterns = []
