"""URLs of the people assessed (namespace `assessment`, at /assessment/): 我的考核, a score
explained, a grade, appeals, enrolment (行动报名) and the villages' ratings (人才评价)."""

from django.urls import path

from assessment.views import appeals, enrolment, evaluations, people

urlpatterns = [
    path("mine/", people.my_assessment, name="my_assessment"),
    path("scores/<int:pk>/", people.score_detail, name="score_detail"),
    path("scores/<int:pk>/appeal/", appeals.ScoreAppealView.as_view(), name="score_appeal"),
    path("grades/<int:pk>/", people.grade_detail, name="grade_detail"),
    path("appeals/", appeals.AppealListView.as_view(), name="appeal_list"),
    path("appeals/<int:pk>/", appeals.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/accept/", appeals.AppealAcceptView.as_view(), name="appeal_accept"),
    path("appeals/<int:pk>/reject/", appeals.AppealRejectView.as_view(), name="appeal_reject"),
    path("enrolment/", enrolment.enrolment_units, name="enrolment_units"),
    path("enrolment/units/<int:pk>/", enrolment.enrolment_unit, name="enrolment_unit"),
    path("enrolment/units/<int:pk>/enrol/", enrolment.EnrolUnitView.as_view(),
         name="enrolment_enrol_unit"),
    path("enrolment/<int:pk>/exempt/", enrolment.ExemptView.as_view(), name="enrolment_exempt"),
    path("enrolment/<int:pk>/replace/", enrolment.ReplaceView.as_view(),
         name="enrolment_replace"),
    path("evaluations/", evaluations.evaluation_list, name="evaluation_list"),
    path("evaluations/rate/", evaluations.evaluation_rate, name="evaluation_rate"),
]
