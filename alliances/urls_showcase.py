"""URLs of 季度晾晒 (page, township board, A3 poster) and 定期分析, under /alliances/showcase/."""

from django.urls import path

from alliances.views import showcase

urlpatterns = [
    path("", showcase.showcase_board, name="showcase_board"),
    path("poster.pdf", showcase.showcase_poster, name="showcase_poster"),
    path("<int:pk>/", showcase.showcase_alliance, name="showcase_alliance"),
]
