"""URLs of assessment: scoring (filled in with its views)."""

urlpatterns = []
