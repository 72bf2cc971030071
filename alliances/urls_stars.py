"""URLs of dynamic stars (动态评星) and demonstration sites (示范点), under /alliances/stars/."""

from django.urls import path

from alliances.views import stars

urlpatterns = [
    path("", stars.star_board, name="star_board"),
    path("<int:pk>/", stars.star_history, name="star_history"),
    path("<int:pk>/set/", stars.StarSetView.as_view(), name="star_set"),
    path("<int:pk>/demonstration/", stars.DemonstrationDesignateView.as_view(),
         name="demonstration_designate"),
    path("<int:pk>/demonstration/revoke/", stars.DemonstrationRevokeView.as_view(),
         name="demonstration_revoke"),
]
