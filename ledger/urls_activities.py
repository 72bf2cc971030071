"""Activity ledger (活动台账): list, 待确认 queue, form, detail, evidence, month reopening."""

from django.urls import path

from ledger.views import activities as views
from ledger.views import reopen

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("to-confirm/", views.ActivityToConfirmView.as_view(), name="activity_to_confirm"),
    path("new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("participants/", views.participant_search, name="participant_search"),
    path("to-confirm/confirm/", views.ActivityBatchConfirmView.as_view(),
         name="activity_batch_confirm"),
    path("to-confirm/return/", views.ActivityBatchReturnView.as_view(),
         name="activity_batch_return"),
    path("reopen/", views.MonthReopenView.as_view(), name="month_reopen"),
    path("reopen/batch/", reopen.MonthReopenBatchView.as_view(), name="month_reopen_batch"),
    path("reopen-requests/", reopen.ReopenRequestListView.as_view(),
         name="reopen_request_list"),
    path("reopen-requests/new/", reopen.ReopenRequestCreateView.as_view(),
         name="reopen_request_create"),
    path("reopen-requests/<int:pk>/grant/", reopen.ReopenRequestGrantView.as_view(),
         name="reopen_request_grant"),
    path("reopen-requests/<int:pk>/refuse/", reopen.ReopenRequestRefuseView.as_view(),
         name="reopen_request_refuse"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("<int:pk>/submit/", views.ActivitySubmitView.as_view(), name="activity_submit"),
    path("<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("<int:pk>/confirm/", views.ActivityConfirmView.as_view(), name="activity_confirm"),
    path("<int:pk>/return/", views.ActivityReturnView.as_view(), name="activity_return"),
    path("<int:pk>/evidence/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumbnail/", views.evidence_thumbnail, name="evidence_thumbnail"),
    path("evidence/<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence_delete"),
]
