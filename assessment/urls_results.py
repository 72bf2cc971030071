"""URLs of 结果运用 (namespace `assessment`)."""

from django.urls import path

from assessment.views import results

urlpatterns = [
    path("", results.results, name="results"),
    path("export/", results.ResultsExportView.as_view(), name="results_export"),
    path("grades/<int:pk>/nominate/", results.GradeNominateView.as_view(),
         name="grade_nominate"),
    path("grades/<int:pk>/override/", results.GradeOverrideView.as_view(),
         name="grade_override"),
    path("nominations/<int:pk>/confirm/", results.NominationConfirmView.as_view(),
         name="nomination_confirm"),
    path("nominations/<int:pk>/reject/", results.NominationRejectView.as_view(),
         name="nomination_reject"),
]
