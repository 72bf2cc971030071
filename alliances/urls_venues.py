"""URLs of alliances: venues (filled in with its views)."""

urlpatterns = []
