"""URLs of alliances: competitions (filled in with its views)."""

urlpatterns = []
