"""Pairings, unpaired villages, the co-building plan, the Excel import and the statistics."""

from django.urls import path

from pairing.views import pairings, statistics

urlpatterns = [
    path("", pairings.PairingListView.as_view(), name="pairing_list"),
    path("unpaired/", pairings.UnpairedListView.as_view(), name="unpaired_villages"),
    path("mine/", pairings.my_pairings, name="my_pairings"),
    path("org/<int:pk>/", pairings.org_pairings, name="org_pairings"),
    path("new/", pairings.PairingCreateView.as_view(), name="pairing_create"),
    path("<int:pk>/", pairings.pairing_detail, name="pairing_detail"),
    path("<int:pk>/edit/", pairings.PairingEditView.as_view(), name="pairing_edit"),
    path("<int:pk>/end/", pairings.PairingEndView.as_view(), name="pairing_end"),
    path("<int:pk>/plan/", pairings.PlanEditView.as_view(), name="plan_edit"),
    path("<int:pk>/plan/submit/", pairings.PlanSubmitView.as_view(), name="plan_submit"),
    path("<int:pk>/plan/file/", pairings.PlanFileView.as_view(), name="plan_file"),
    path("<int:pk>/plan/return/", pairings.PlanReturnView.as_view(), name="plan_return"),
    *pairings.PAIRING_IMPORT.urlpatterns(),
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics/export/", statistics.StatisticsExportView.as_view(), name="statistics_export"),
]
