"""履职情况: org, talent and unit × month matrices, the activities behind a cell, Excel exports."""

from django.urls import path

from ledger.views import compliance

urlpatterns = [
    path("orgs/", compliance.org_matrix, name="compliance_orgs"),
    path("orgs/export/", compliance.OrgMatrixExportView.as_view(), name="compliance_orgs_export"),
    path("orgs/<int:pk>/<int:year>/<int:month>/", compliance.org_month,
         name="compliance_org_month"),
    path("talents/", compliance.talent_matrix, name="compliance_talents"),
    path("talents/export/", compliance.TalentMatrixExportView.as_view(),
         name="compliance_talents_export"),
    path("talents/<int:pk>/<int:year>/<int:month>/", compliance.talent_month,
         name="compliance_talent_month"),
    path("units/", compliance.unit_matrix, name="compliance_units"),
    path("units/export/", compliance.UnitMatrixExportView.as_view(),
         name="compliance_units_export"),
    path("units/<int:pk>/<int:year>/<int:month>/", compliance.unit_month,
         name="compliance_unit_month"),
]
