"""三清单一协议 (annual agreements), under /pairing/agreements/."""

from django.urls import path

from pairing.views import agreements as views

urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("unsigned/", views.agreement_unsigned, name="agreement_unsigned"),
    path("new/<int:pairing_pk>/", views.agreement_create, name="agreement_create"),
    path("<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("<int:pk>/terms/", views.agreement_edit_terms, name="agreement_edit_terms"),
    path("<int:pk>/items/<slug:kind>/new/", views.agreement_item_create,
         name="agreement_item_create"),
    path("<int:pk>/items/<slug:kind>/<int:item_pk>/", views.agreement_item_edit,
         name="agreement_item_edit"),
    path("<int:pk>/items/<slug:kind>/<int:item_pk>/delete/", views.agreement_item_delete,
         name="agreement_item_delete"),
    path("<int:pk>/submit/", views.agreement_submit, name="agreement_submit"),
    path("<int:pk>/file/", views.agreement_file, name="agreement_file"),
    path("<int:pk>/return/", views.agreement_return, name="agreement_return"),
    path("<int:pk>/new-version/", views.agreement_new_version, name="agreement_new_version"),
    path("<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/scan/upload/", views.agreement_scan_upload, name="agreement_scan_upload"),
    path("<int:pk>/scan/", views.agreement_scan, name="agreement_scan"),
]
