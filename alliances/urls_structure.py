"""URLs of alliances: structure (filled in with its views)."""

urlpatterns = []
