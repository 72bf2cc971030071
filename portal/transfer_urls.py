"""Excel import and export of organizations and people (portal.views.transfer)."""

from django.urls import path

from portal.views import transfer

urlpatterns = [
    path("", transfer.transfer_index, name="transfer_index"),
    path("templates/<slug:what>/", transfer.import_template, name="transfer_template"),
    path("import/<slug:what>/", transfer.import_upload, name="transfer_upload"),
    path("import/<slug:what>/job/<uuid:job_uuid>/", transfer.import_job, name="transfer_job"),
    path("import/<slug:what>/<slug:token>/commit/", transfer.import_commit,
         name="transfer_commit"),
    path("export/<slug:what>/", transfer.ExportStartView.as_view(), name="transfer_export"),
]
