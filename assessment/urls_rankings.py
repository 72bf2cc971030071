"""URLs of assessment: rankings (filled in with its views)."""

urlpatterns = []
