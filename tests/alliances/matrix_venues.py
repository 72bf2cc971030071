"""Permission-matrix cases of shared venues (阵地共建共享).

The world: 青山镇's core alliance (owner town_a) with members 青山村 (village_a1) and
县农业农村局 (unit); its venue is offered by 青山村, and 青山村's secretary has booked it for a
day next week. So the village secretary and the unit contact see the alliance through their
membership (and book with venue.book), the township and county manage it, the leader only
reads, 白水村's secretary, the talent and the outsider are outside it (404).
"""

import datetime

from django.utils import timezone

from tests.permission_matrix import Case


def _world(env):
    from alliances.models import Alliance, AllianceType, Booking, Membership, Venue

    tree = env.tree
    alliance = Alliance.objects.create(name="青山镇红色党建联盟", kind="core", owner=tree.town_a,
                                       type=AllianceType.objects.get(code="red"),
                                       founded=datetime.date(2026, 1, 5))
    Membership.objects.bulk_create([
        Membership(alliance=alliance, org=org, joined_on=datetime.date(2026, 1, 5))
        for org in (tree.village_a1, tree.unit)])
    venue = Venue.objects.create(alliance=alliance, org=tree.village_a1, name="青山村党群服务中心")
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    booking = Booking.objects.create(venue=venue, org=tree.village_a1, start=start,
                                     end=start + datetime.timedelta(hours=1), purpose="主题党日",
                                     booked_by=env.user("village_secretary"))
    return alliance, venue, booking


def alliance_of(env):
    return [_world(env)[0].pk]


def venue_of(env):
    return [_world(env)[1].pk]


def booking_of(env):
    return [_world(env)[2].pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The list is filtered by scope (白水村 sees none); talent and outsider lack alliance.view.
    Case("alliances:venue_list", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:alliance_venues", "青山镇 core",
         (302, 200, 200, 200, 200, 404, 200, 404, 404), alliance_of),
    Case("alliances:venue_detail", "青山村党群服务中心",
         (302, 200, 200, 200, 200, 404, 200, 404, 404), venue_of),
    # Adding and editing venues: alliance.manage on the alliance's owner.
    Case("alliances:venue_create", "青山镇 core", (302, 200, 403, 200, 403, 404, 403, 404, 404),
         alliance_of),
    # An empty form is shown again with its errors.
    Case("alliances:venue_create", "青山镇 core", (302, 200, 403, 200, 403, 404, 403, 404, 404),
         alliance_of, method="post"),
    Case("alliances:venue_edit", "青山村党群服务中心",
         (302, 200, 403, 200, 403, 404, 403, 404, 404), venue_of),
    Case("alliances:venue_edit", "青山村党群服务中心",
         (302, 200, 403, 200, 403, 404, 403, 404, 404), venue_of, method="post"),
    # Booking: venue.book; the leader reads only.
    Case("alliances:booking_create", "青山村党群服务中心",
         (302, 200, 403, 200, 200, 404, 200, 404, 404), venue_of),
    Case("alliances:booking_create", "青山村党群服务中心",
         (302, 200, 403, 200, 200, 404, 200, 404, 404), venue_of, method="post"),
    # Cancelling: the booker (青山村) or the alliance's managers; another member may not.
    Case("alliances:booking_cancel", "青山村's booking",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), booking_of),
    Case("alliances:booking_cancel", "青山村's booking",
         (302, 302, 403, 302, 302, 404, 403, 404, 404), booking_of, method="post"),
]
