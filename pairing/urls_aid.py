"""双结对双帮扶: households, cadre–household pairings, visits, the village ledger."""

from django.urls import path

from pairing.views import aid

urlpatterns = [
    path("households/", aid.HouseholdListView.as_view(), name="aid_household_list"),
    path("households/<int:pk>/", aid.household_detail, name="aid_household_detail"),
    path("households/<int:pk>/edit/", aid.HouseholdEditView.as_view(), name="aid_household_edit"),
    path("households/<int:pk>/pair/", aid.AidPairingCreateView.as_view(),
         name="aid_pairing_create"),
    path("villages/<int:village_pk>/", aid.VillageHouseholdsView.as_view(), name="aid_village"),
    path("villages/<int:village_pk>/new/", aid.HouseholdCreateView.as_view(),
         name="aid_household_create"),
    path("villages/<int:village_pk>/ledger/", aid.LedgerExportView.as_view(),
         name="aid_ledger_export"),
    path("pairings/<int:pk>/edit/", aid.AidPlanEditView.as_view(), name="aid_pairing_edit"),
    path("pairings/<int:pk>/end/", aid.AidPairingEndView.as_view(), name="aid_pairing_end"),
    path("pairings/<int:pk>/visit/", aid.AidVisitCreateView.as_view(), name="aid_visit_create"),
    path("cadres/<int:person_pk>/", aid.cadre_pairings, name="aid_cadre_pairings"),
]
