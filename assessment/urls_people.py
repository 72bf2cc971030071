"""URLs of assessment: people (filled in with its views)."""

urlpatterns = []
