"""双结对双帮扶: households, cadre–household pairings, visits, the village ledger."""

from django.urls import path

from pairing.views import aid

urlpatterns = [
    path("households/", aid.household_list, name="aid_household_list"),
    path("households/<int:pk>/", aid.household_detail, name="aid_household_detail"),
    path("households/<int:pk>/edit/", aid.household_edit, name="aid_household_edit"),
    path("households/<int:pk>/pair/", aid.aid_pairing_create, name="aid_pairing_create"),
    path("villages/<int:village_pk>/", aid.village_households, name="aid_village"),
    path("villages/<int:village_pk>/new/", aid.household_create, name="aid_household_create"),
    path("villages/<int:village_pk>/ledger/", aid.ledger_export, name="aid_ledger_export"),
    path("pairings/<int:pk>/edit/", aid.aid_pairing_edit, name="aid_pairing_edit"),
    path("pairings/<int:pk>/end/", aid.aid_pairing_end, name="aid_pairing_end"),
    path("pairings/<int:pk>/visit/", aid.aid_visit_create, name="aid_visit_create"),
    path("cadres/<int:person_pk>/", aid.cadre_pairings, name="aid_cadre_pairings"),
]
