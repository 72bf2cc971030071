"""URLs of the villagers' requests (民情诉求), under /ledger/requests/."""

from django.urls import path

from ledger.views import requests

urlpatterns = [
    path("", requests.RequestListView.as_view(), name="request_list"),
    path("new/", requests.RequestCreateView.as_view(), name="request_create"),
    path("daily/", requests.request_daily, name="request_daily"),
    path("<int:pk>/", requests.request_detail, name="request_detail"),
    path("<int:pk>/judge/", requests.RequestJudgeView.as_view(), name="request_judge"),
    path("<int:pk>/resolve/", requests.RequestResolveView.as_view(), name="request_resolve"),
    path("<int:pk>/publish/", requests.RequestPublishView.as_view(), name="request_publish"),
]
