"""URLs of alliances: shared venues and their bookings (at /alliances/venues/)."""

from django.urls import path

from alliances.views import venues

urlpatterns = [
    path("", venues.VenueListView.as_view(), name="venue_list"),
    path("alliance/<int:pk>/", venues.alliance_venues, name="alliance_venues"),
    path("alliance/<int:pk>/add/", venues.VenueCreateView.as_view(), name="venue_create"),
    path("<int:pk>/", venues.venue_detail, name="venue_detail"),
    path("<int:pk>/edit/", venues.VenueEditView.as_view(), name="venue_edit"),
    path("<int:pk>/book/", venues.BookingCreateView.as_view(), name="booking_create"),
    path("bookings/<int:pk>/cancel/", venues.BookingCancelView.as_view(),
         name="booking_cancel"),
]
