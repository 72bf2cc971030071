"""URLs of alliances: stars (filled in with its views)."""

urlpatterns = []
