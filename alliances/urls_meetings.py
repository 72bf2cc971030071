"""URLs of meetings, site visits, the host rotation and the year-end review, under
/alliances/meetings/."""

urlpatterns = []
