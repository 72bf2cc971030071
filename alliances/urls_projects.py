"""URLs of alliances: project lists and 书记党建任务清单 (at /alliances/projects/)."""

from django.urls import path

from alliances.views import projects

urlpatterns = [
    path("mine/", projects.my_tasks, name="my_tasks"),
    path("alliance/<int:pk>/", projects.alliance_projects, name="alliance_projects"),
    path("alliance/<int:pk>/add/", projects.ProjectCreateView.as_view(), name="project_create"),
    path("<int:pk>/", projects.project_detail, name="project_detail"),
    path("<int:pk>/edit/", projects.ProjectEditView.as_view(), name="project_edit"),
    path("<int:pk>/update/", projects.ProjectUpdateCreateView.as_view(),
         name="project_update_create"),
    path("updates/<int:pk>/evidence/", projects.update_evidence, name="project_update_evidence"),
]
