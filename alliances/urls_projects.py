"""URLs of alliances: projects (filled in with its views)."""

urlpatterns = []
