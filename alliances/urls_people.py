"""URLs of people across the alliance: mentor pairs, the expert roster, the member-development
quota flow, under /alliances/people/."""

urlpatterns = []
