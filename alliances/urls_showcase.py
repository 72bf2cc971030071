"""URLs of 季度晾晒 (page, township board, A3 poster) and 定期分析, under /alliances/showcase/."""

urlpatterns = []
