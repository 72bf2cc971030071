"""URLs of cross-inspection (交叉检查), under /alliances/inspections/."""

from django.urls import path

from alliances.views import inspections

urlpatterns = [
    path("", inspections.RoundListView.as_view(), name="round_list"),
    path("new/", inspections.RoundCreateView.as_view(), name="round_create"),
    path("rounds/<int:pk>/", inspections.round_detail, name="round_detail"),
    path("<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("<int:pk>/result/", inspections.InspectionRecordView.as_view(),
         name="inspection_record"),
    path("<int:pk>/rectifications/", inspections.RectificationAddView.as_view(),
         name="rectification_add"),
    path("rectifications/<int:pk>/close/", inspections.RectificationCloseView.as_view(),
         name="rectification_close"),
]
