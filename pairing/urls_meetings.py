"""Joint meetings (联席会议): per pairing, per meeting, and the missing-meetings view."""

from django.urls import path

from pairing.views import meetings

urlpatterns = [
    path("missing/", meetings.MissingMeetingsView.as_view(), name="meetings_missing"),
    path("missing/export/", meetings.meetings_missing_export, name="meetings_missing_export"),
    path("pairing/<int:pairing_pk>/", meetings.MeetingListView.as_view(), name="meeting_list"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", meetings.MeetingEditView.as_view(), name="meeting_edit"),
    path("<int:pk>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
]
