"""URLs of the monthly dispatch (每月调度) and the township half-year reports, under
/ledger/reports/."""

from django.urls import path

from ledger.views import reports

urlpatterns = [
    path("dispatch/", reports.dispatch, name="dispatch"),
    path("", reports.ReportListView.as_view(), name="report_list"),
    path("write/<int:township_pk>/<int:year>/<int:half>/", reports.ReportWriteView.as_view(),
         name="report_write"),
    path("file/", reports.ReportBatchFileView.as_view(), name="report_file_batch"),
    path("<int:pk>/", reports.report_detail, name="report_detail"),
    path("<int:pk>/file/", reports.ReportFileView.as_view(), name="report_file"),
    path("<int:pk>/return/", reports.ReportReturnView.as_view(), name="report_return"),
    path("<int:pk>/pdf/", reports.report_pdf, name="report_pdf"),
]
