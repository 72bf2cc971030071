"""URLs of people across the alliance: 联盟党员, mentor pairs, the expert roster, the
member-development quota flow, under /alliances/people/."""

from django.urls import path

from alliances.views import people

urlpatterns = [
    path("<int:pk>/", people.alliance_people, name="alliance_people"),
    path("<int:pk>/mentors/", people.mentor_list, name="mentor_list"),
    path("<int:pk>/mentors/add/", people.MentorAddView.as_view(), name="mentor_add"),
    path("mentors/<int:pk>/end/", people.MentorEndView.as_view(), name="mentor_end"),
    path("<int:pk>/experts/", people.expert_list, name="expert_list"),
    path("<int:pk>/experts/add/", people.ExpertAddView.as_view(), name="expert_add"),
    path("experts/<int:pk>/edit/", people.ExpertEditView.as_view(), name="expert_edit"),
    path("experts/<int:pk>/deactivate/", people.ExpertDeactivateView.as_view(),
         name="expert_deactivate"),
    path("development/", people.development_overview, name="development_overview"),
    path("<int:pk>/development/", people.development_page, name="development"),
    path("<int:pk>/development/quota/", people.QuotaSetView.as_view(), name="quota_set"),
    path("<int:pk>/development/recommend/", people.RecommendView.as_view(),
         name="candidate_recommend"),
    path("candidates/<int:pk>/training/", people.CandidateTrainingView.as_view(),
         name="candidate_training"),
    path("candidates/<int:pk>/grant/", people.CandidateGrantView.as_view(),
         name="candidate_grant"),
    path("candidates/<int:pk>/admit/", people.CandidateAdmitView.as_view(),
         name="candidate_admit"),
    path("candidates/<int:pk>/withdraw/", people.CandidateWithdrawView.as_view(),
         name="candidate_withdraw"),
]
