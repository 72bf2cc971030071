"""URLs of 季度晾晒 (page, township board, A3 poster job) and 定期分析: /alliances/showcase/."""

from django.urls import path

from alliances.views import showcase

urlpatterns = [
    path("", showcase.showcase_board, name="showcase_board"),
    path("poster/", showcase.ShowcasePosterView.as_view(), name="showcase_poster"),
    path("<int:pk>/", showcase.showcase_alliance, name="showcase_alliance"),
]
