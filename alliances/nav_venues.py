"""Navigation and home panel of alliances: shared venues — 联盟阵地 in the 党建联盟 group, and
a panel of the upcoming bookings made for the organizations the user books for (two queries at
most: the bookings, and whether any venue is open to the user when there are none)."""

from django.utils import timezone

from alliances.models import Booking, Venue
from alliances.services.venues import booking_orgs_q
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.fragments import valid_until
from portal.scope import TOWNSHIP_ADMIN, UNIT_CONTACT, VILLAGE_SECRETARY

GROUP = "党建联盟"
PANEL_BOOKINGS = 5

register_nav(NavItem("联盟阵地", "alliances:venue_list", "bi-building", "alliance.view", 64,
                     GROUP))


def _bookings_panel(request):
    user = request.user
    bookings = list(Booking.objects.active().filter(booking_orgs_q(user, "org__path"),
                                                    end__gt=timezone.now())
                    .select_related("venue", "org").order_by("start", "id")[:PANEL_BOOKINGS])
    if not bookings and not Venue.objects.visible_to(user, "venue.book").exists():
        return None
    if bookings:  # a booking shown leaves the list when it ends
        valid_until(request, min(booking.end for booking in bookings))
    return {"bookings": bookings}


register_panel(Panel("alliance_venue_bookings", "阵地预约", "alliances/venues/panel.html",
                     frozenset({TOWNSHIP_ADMIN, VILLAGE_SECRETARY, UNIT_CONTACT}),
                     _bookings_panel, order=70))
