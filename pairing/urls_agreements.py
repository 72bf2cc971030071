"""三清单一协议 (annual agreements), under /pairing/agreements/."""

from django.urls import path

from pairing.views import agreements as views

urlpatterns = [
    path("", views.AgreementListView.as_view(), name="agreement_list"),
    path("to-file/", views.AgreementToFileView.as_view(), name="agreement_to_file"),
    path("file/", views.AgreementBatchFileView.as_view(), name="agreement_file_batch"),
    path("unsigned/", views.UnsignedListView.as_view(), name="agreement_unsigned"),
    path("new/<int:pairing_pk>/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("<int:pk>/terms/", views.AgreementTermsView.as_view(), name="agreement_edit_terms"),
    path("<int:pk>/items/<slug:kind>/new/", views.AgreementItemView.as_view(),
         name="agreement_item_create"),
    path("<int:pk>/items/<slug:kind>/<int:item_pk>/", views.AgreementItemView.as_view(),
         name="agreement_item_edit"),
    path("<int:pk>/items/<slug:kind>/<int:item_pk>/delete/",
         views.AgreementItemDeleteView.as_view(), name="agreement_item_delete"),
    path("<int:pk>/submit/", views.AgreementSubmitView.as_view(), name="agreement_submit"),
    path("<int:pk>/file/", views.AgreementFileView.as_view(), name="agreement_file"),
    path("<int:pk>/return/", views.AgreementReturnView.as_view(), name="agreement_return"),
    path("<int:pk>/new-version/", views.AgreementNewVersionView.as_view(),
         name="agreement_new_version"),
    path("<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/scan/upload/", views.AgreementScanUploadView.as_view(),
         name="agreement_scan_upload"),
    path("<int:pk>/scan/", views.agreement_scan, name="agreement_scan"),
]
