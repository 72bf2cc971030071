"""Excel import and export of organizations and people (portal.views.transfer)."""

from django.urls import path

from portal.views import transfer

urlpatterns = [
    path("", transfer.transfer_index, name="transfer_index"),
]
