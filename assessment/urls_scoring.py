"""URLs of assessment: schemes and scoring tables, quarterly scoring, the entries grid and
annual grading (under /assessment/scoring/, namespace `assessment`)."""

from django.urls import path

from assessment.views import entries, gradings, runs, schemes

urlpatterns = [
    path("schemes/", schemes.SchemeListView.as_view(), name="scheme_list"),
    path("schemes/new/", schemes.SchemeCreateView.as_view(), name="scheme_create"),
    path("schemes/<int:pk>/", schemes.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", schemes.SchemeEditView.as_view(), name="scheme_edit"),
    path("schemes/<int:pk>/version/", schemes.SchemeNewVersionView.as_view(),
         name="scheme_new_version"),
    path("schemes/<int:pk>/indicators/new/", schemes.IndicatorCreateView.as_view(),
         name="indicator_create"),
    path("schemes/<int:pk>/indicators/<int:indicator_pk>/edit/",
         schemes.IndicatorEditView.as_view(), name="indicator_edit"),
    path("schemes/<int:pk>/indicators/<int:indicator_pk>/delete/",
         schemes.IndicatorDeleteView.as_view(), name="indicator_delete"),
    path("schemes/<int:pk>/score/", runs.RunStartView.as_view(), name="run_start"),
    path("schemes/<int:pk>/entries/", entries.entry_grid, name="entry_grid"),
    path("schemes/<int:pk>/entries/save/", entries.entry_save, name="entry_save"),
    path("schemes/<int:pk>/grade/", gradings.GradingStartView.as_view(), name="grading_start"),
    path("entries/<int:pk>/evidence/", entries.entry_evidence, name="entry_evidence"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", runs.RunPublishView.as_view(), name="run_publish"),
    path("gradings/", gradings.GradingOverviewView.as_view(), name="grading_overview"),
    path("gradings/<int:pk>/", gradings.grading_detail, name="grading_detail"),
    path("gradings/<int:pk>/submit/", gradings.GradingSubmitView.as_view(),
         name="grading_submit"),
    path("gradings/<int:pk>/file/", gradings.GradingFileView.as_view(), name="grading_file"),
    path("gradings/<int:pk>/return/", gradings.GradingReturnView.as_view(),
         name="grading_return"),
    path("grades/<int:pk>/change/", gradings.GradeChangeView.as_view(), name="grade_change"),
]
