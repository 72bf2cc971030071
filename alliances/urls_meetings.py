"""URLs of meetings, site visits, the host rotation and the year-end review, under
/alliances/meetings/."""

from django.urls import path

from alliances.views import meetings, reviews

urlpatterns = [
    path("", meetings.meeting_upcoming, name="meeting_upcoming"),
    path("alliance/<int:pk>/", meetings.meeting_list, name="meeting_list"),
    path("alliance/<int:pk>/plan/", meetings.MeetingPlanView.as_view(), name="meeting_plan"),
    path("alliance/<int:pk>/rotation/", meetings.rotation, name="rotation"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", meetings.MeetingEditView.as_view(), name="meeting_edit"),
    path("<int:pk>/held/", meetings.MeetingHeldView.as_view(), name="meeting_held"),
    path("<int:pk>/cancel/", meetings.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("<int:pk>/photos/", meetings.MeetingPhotoAddView.as_view(), name="meeting_photo_add"),
    path("photos/<int:pk>/", meetings.meeting_photo, name="meeting_photo"),
    path("photos/<int:pk>/thumb/", meetings.meeting_photo_thumb, name="meeting_photo_thumb"),
    path("photos/<int:pk>/delete/", meetings.MeetingPhotoDeleteView.as_view(),
         name="meeting_photo_delete"),
    path("alliance/<int:pk>/reviews/", reviews.review_list, name="review_list"),
    path("alliance/<int:pk>/reviews/open/", reviews.ReviewOpenView.as_view(),
         name="review_open"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:pk>/report/<int:member_pk>/", reviews.review_report,
         name="review_report"),
    path("reviews/<int:pk>/scores/<int:member_pk>/", reviews.review_scores,
         name="review_scores"),
    path("reviews/<int:pk>/close/", reviews.ReviewCloseView.as_view(), name="review_close"),
]
