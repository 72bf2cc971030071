"""URLs of assessment: 考核排名 and its downloads (under /assessment/rankings/, namespace
`assessment`)."""

from django.urls import path

from assessment.views import rankings

urlpatterns = [
    path("", rankings.rankings, name="rankings"),
    path("runs/<int:pk>/export/", rankings.RankingExportView.as_view(), name="ranking_export"),
    path("gradings/<int:pk>/export/", rankings.GradesExportView.as_view(),
         name="grades_export"),
]
