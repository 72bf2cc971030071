"""URLs of the alliance structure: tree, overview, list, an alliance's page and its actions."""

from django.urls import path

from alliances.views import structure as views

urlpatterns = [
    path("", views.structure, name="structure"),
    path("overview/", views.overview, name="overview"),
    path("list/", views.AllianceListView.as_view(), name="alliance_list"),
    path("new/", views.AllianceCreateView.as_view(), name="alliance_create"),
    path("<int:pk>/", views.alliance_detail, name="alliance_detail"),
    path("<int:pk>/edit/", views.AllianceEditView.as_view(), name="alliance_edit"),
    path("<int:pk>/members/", views.MemberAddView.as_view(), name="member_add"),
    path("<int:pk>/close/", views.AllianceCloseView.as_view(), name="alliance_close"),
    path("members/<int:pk>/leave/", views.MemberRemoveView.as_view(), name="member_remove"),
]
