"""URLs of the needs board (需求认领), under /pairing/needs/."""

from django.urls import path

from pairing.views import needs

urlpatterns = [
    path("", needs.need_board, name="need_board"),
    path("new/", needs.NeedCreateView.as_view(), name="need_create"),
    path("mine/", needs.my_claims, name="my_claims"),
    path("to-confirm/", needs.claims_to_confirm, name="claims_to_confirm"),
    path("<int:pk>/", needs.need_detail, name="need_detail"),
    path("<int:pk>/edit/", needs.NeedEditView.as_view(), name="need_edit"),
    path("<int:pk>/close/", needs.NeedCloseView.as_view(), name="need_close"),
    path("<int:pk>/claim/", needs.NeedClaimView.as_view(), name="need_claim"),
    path("claims/<int:pk>/withdraw/", needs.ClaimWithdrawView.as_view(), name="claim_withdraw"),
    path("claims/<int:pk>/report/", needs.ClaimReportView.as_view(), name="claim_report"),
    path("claims/<int:pk>/confirm/", needs.ClaimConfirmView.as_view(), name="claim_confirm"),
    path("claims/<int:pk>/send-back/", needs.ClaimSendBackView.as_view(),
         name="claim_send_back"),
    path("claims/<int:pk>/evidence/", needs.claim_evidence, name="claim_evidence"),
]
