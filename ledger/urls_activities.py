"""URL patterns of this area (being built)."""

urlpatterns = []
