"""URLs of the half-yearly 擂台赛, under /alliances/competitions/."""

from django.urls import path

from alliances.views import competitions

urlpatterns = [
    path("", competitions.competition_list, name="competition_list"),
    path("new/", competitions.CompetitionCreateView.as_view(), name="competition_create"),
    path("<int:pk>/", competitions.competition_detail, name="competition_detail"),
    path("<int:pk>/entrants/<int:entrant_pk>/score/", competitions.score_sheet,
         name="score_sheet"),
    path("<int:pk>/publish/", competitions.CompetitionPublishView.as_view(),
         name="competition_publish"),
    path("<int:pk>/export/xlsx/", competitions.CompetitionExcelView.as_view(),
         name="competition_xlsx"),
    path("<int:pk>/export/pdf/", competitions.CompetitionPdfView.as_view(),
         name="competition_pdf"),
]
