"""Shared venues (阵地共建共享): the booking rules (no overlap, touching edges allowed, cancelled
bookings free the slot, capacity, membership, scope), venue management, and the pages (scope
404 / capability 403, the week calendar, flat query counts)."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance, AllianceType, Booking, BookingStatus, Membership, Venue
from alliances.services import venues as services
from alliances.views.venues import week_of
from portal.models import AuditEvent
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

FOUNDED = datetime.date(2026, 1, 5)
NOW = timezone.make_aware(datetime.datetime(2026, 3, 9, 8, 0))  # a Monday morning
DAY = datetime.date(2026, 3, 10)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_alliance(owner, name, members, kind="core"):
    alliance = Alliance.objects.create(name=name, kind=kind, owner=owner,
                                       type=AllianceType.objects.get(code="red"),
                                       founded=FOUNDED)
    Membership.objects.bulk_create([Membership(alliance=alliance, org=org, joined_on=FOUNDED)
                                    for org in members])
    return alliance


@pytest.fixture
def alliance(tree):
    return make_alliance(tree.town_a, "青山镇红色党建联盟",
                         [tree.village_a1, tree.village_a2, tree.unit])


@pytest.fixture
def venue(alliance, tree):
    return Venue.objects.create(alliance=alliance, org=tree.village_a1, name="青山村党群服务中心",
                                capacity=30)


@pytest.fixture
def a2_secretary(tree):
    user = UserFactory(username="a2_secretary")
    grant(user, tree.village_a2, "village_secretary")
    return user


def book(venue, actor, org, start, end, attendees=10, purpose="主题党日", now=NOW):
    return services.book_venue(venue, actor=actor, org=org, start=start, end=end,
                               purpose=purpose, attendees=attendees, now=now)


def code_of(exc, field=None):
    error = exc.value
    if field is not None:
        return error.error_dict[field][0].code
    return error.code


# --- booking rules ---------------------------------------------------------------------------

def test_a_member_books_a_free_slot_audited(venue, tree, village_secretary):
    booking = book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    assert (booking.status, booking.booked_by, booking.org) == (
        BookingStatus.BOOKED, village_secretary, tree.village_a1)
    assert AuditEvent.objects.filter(data__booking=booking.pk, action="create").exists()


def test_an_overlapping_booking_is_refused_naming_the_clash(venue, tree, village_secretary,
                                                            a2_secretary):
    book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11), purpose="主题党日")
    for start, end in [(at(DAY, 10, 30), at(DAY, 11, 30)), (at(DAY, 9), at(DAY, 10, 1)),
                       (at(DAY, 10, 15), at(DAY, 10, 45)), (at(DAY, 9), at(DAY, 12))]:
        with pytest.raises(ValidationError) as exc:
            book(venue, a2_secretary, tree.village_a2, start, end)
        assert code_of(exc) == "overlap"
        assert "青山村" in exc.value.messages[0] and "03月10日 10:00–11:00" in \
            exc.value.messages[0] and "主题党日" in exc.value.messages[0]
    assert Booking.objects.count() == 1


def test_touching_bookings_are_allowed(venue, tree, village_secretary, a2_secretary):
    book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    book(venue, a2_secretary, tree.village_a2, at(DAY, 11), at(DAY, 12))
    book(venue, a2_secretary, tree.village_a2, at(DAY, 9), at(DAY, 10))
    assert Booking.objects.active().count() == 3


def test_the_same_slot_at_another_venue_is_free(venue, alliance, tree, village_secretary):
    other = Venue.objects.create(alliance=alliance, org=tree.village_a2, name="石桥村活动室")
    book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    book(other, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_the_slot(venue, tree, village_secretary, a2_secretary):
    first = book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    services.cancel_booking(first, actor=village_secretary, now=NOW)
    second = book(venue, a2_secretary, tree.village_a2, at(DAY, 10), at(DAY, 11))
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.CANCELLED
    assert second.status == BookingStatus.BOOKED


def test_attendees_within_capacity(venue, tree, village_secretary):
    book(venue, village_secretary, tree.village_a1, at(DAY, 8), at(DAY, 9), attendees=30)
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11), attendees=31)
    assert code_of(exc, "attendees") == "capacity"
    assert "容纳人数30人" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11), attendees=0)
    assert code_of(exc, "attendees") == "capacity"


@pytest.mark.parametrize("start, end, field, code", [
    (at(DAY, 11), at(DAY, 10), "end", "order"),
    (at(DAY, 11), at(DAY, 11), "end", "order"),
    (at(DAY, 10), at(DAY + datetime.timedelta(days=2), 10), "end", "too_long"),
    (at(datetime.date(2026, 3, 8), 10), at(datetime.date(2026, 3, 8), 11), "start", "past"),
    (at(datetime.date(2026, 12, 1), 10), at(datetime.date(2026, 12, 1), 11), "start",
     "horizon"),
])
def test_the_slot_must_be_sane(venue, tree, village_secretary, start, end, field, code):
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, start, end)
    assert code_of(exc, field) == code
    assert not Booking.objects.exists()


def test_a_purpose_is_required(venue, tree, village_secretary):
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11), purpose=" ")
    assert code_of(exc, "purpose") == "required"


def test_a_closed_venue_or_alliance_takes_no_booking(venue, alliance, tree, village_secretary):
    Venue.objects.filter(pk=venue.pk).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    assert code_of(exc) == "inactive"
    Venue.objects.filter(pk=venue.pk).update(is_active=True)
    Alliance.objects.filter(pk=alliance.pk).update(closed_at=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as exc:
        book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    assert code_of(exc) == "closed"


def test_only_current_members_book(venue, alliance, tree, township_admin):
    Membership.objects.filter(alliance=alliance, org=tree.village_a2).update(
        left_on=datetime.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        book(venue, township_admin, tree.village_a2, at(DAY, 10), at(DAY, 11))
    assert code_of(exc, "org") == "member"
    assert book(venue, township_admin, tree.village_a1, at(DAY, 10), at(DAY, 11))


def test_a_member_books_only_in_its_own_name(venue, tree, village_secretary):
    """The membership extender lets 青山村 see the township's alliances, not act for 石桥村."""
    with pytest.raises(PermissionDenied):
        book(venue, village_secretary, tree.village_a2, at(DAY, 10), at(DAY, 11))


@pytest.mark.parametrize("persona", ["other_village_secretary", "leader", "talent", "outsider"])
def test_who_may_not_book(request, venue, tree, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        book(venue, user, tree.village_a1, at(DAY, 10), at(DAY, 11))
    assert not Booking.objects.exists()


def test_a_unit_member_books_for_itself(venue, tree, unit_contact):
    assert book(venue, unit_contact, tree.unit, at(DAY, 14), at(DAY, 16)).org == tree.unit


# --- cancelling -----------------------------------------------------------------------------

@pytest.fixture
def booking(venue, tree, village_secretary):
    return book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))


@pytest.mark.parametrize("persona", ["village_secretary", "township_admin", "county_admin"])
def test_the_booker_or_a_manager_cancels(request, booking, persona):
    services.cancel_booking(booking, actor=request.getfixturevalue(persona), now=NOW)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert AuditEvent.objects.filter(data__booking=booking.pk, action="transition").exists()


@pytest.mark.parametrize("persona", ["a2_secretary", "unit_contact", "leader",
                                     "other_village_secretary"])
def test_others_may_not_cancel(request, booking, persona):
    with pytest.raises(PermissionDenied):
        services.cancel_booking(booking, actor=request.getfixturevalue(persona), now=NOW)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_cancel_state_and_past(booking, village_secretary):
    with pytest.raises(ValidationError) as exc:
        services.cancel_booking(booking, actor=village_secretary, now=at(DAY, 11))
    assert code_of(exc) == "past"
    services.cancel_booking(booking, actor=village_secretary, now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.cancel_booking(booking, actor=village_secretary, now=NOW)
    assert code_of(exc) == "state"


# --- venues ---------------------------------------------------------------------------------

def venue_fields(org, **extra):
    return {"org": org, "name": "石桥村文化礼堂", "kind": "village", "address": "石桥村1号",
            "capacity": 80, "opening_hours": "每天 8:00-20:00", **extra}


def test_the_township_adds_a_members_venue(alliance, tree, township_admin):
    venue = services.add_venue(alliance, actor=township_admin, **venue_fields(tree.village_a2))
    assert (venue.alliance, venue.org, venue.capacity, venue.is_active) == (
        alliance, tree.village_a2, 80, True)
    assert AuditEvent.objects.filter(data__venue=venue.pk, action="create").exists()


def test_a_venue_comes_from_a_current_member(alliance, tree, township_admin):
    with pytest.raises(ValidationError) as exc:
        services.add_venue(alliance, actor=township_admin, **venue_fields(tree.town_a))
    assert code_of(exc, "org") == "member"


@pytest.mark.parametrize("persona", ["village_secretary", "leader", "unit_contact",
                                     "other_village_secretary"])
def test_only_managers_add_venues(request, alliance, tree, persona):
    with pytest.raises(PermissionDenied):
        services.add_venue(alliance, actor=request.getfixturevalue(persona),
                           **venue_fields(tree.village_a2))
    assert not Venue.objects.exists()


def test_a_closed_alliance_takes_no_venue(alliance, tree, township_admin):
    Alliance.objects.filter(pk=alliance.pk).update(closed_at=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.add_venue(alliance, actor=township_admin, **venue_fields(tree.village_a2))
    assert code_of(exc) == "closed"


def test_editing_a_venue_and_closing_it(venue, tree, township_admin, village_secretary):
    edited = services.edit_venue(venue, actor=township_admin,
                                 **venue_fields(tree.village_a1, name="青山村党群中心"),
                                 is_active=False)
    assert (edited.name, edited.capacity, edited.is_active) == ("青山村党群中心", 80, False)
    with pytest.raises(ValidationError):
        services.edit_venue(venue, actor=township_admin, **venue_fields(tree.town_b))
    with pytest.raises(PermissionDenied):
        services.edit_venue(venue, actor=village_secretary, **venue_fields(tree.village_a1))


# --- PostgreSQL's exclusion constraint ------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the exclusion constraint exists on PostgreSQL only")


def _raw(venue, org, start, end, status=BookingStatus.BOOKED):
    return Booking.objects.create(venue=venue, org=org, start=start, end=end, purpose="直接写入",
                                  status=status)


@postgresql_only
def test_the_constraint_refuses_overlap_written_around_the_service(venue, tree):
    _raw(venue, tree.village_a1, at(DAY, 10), at(DAY, 11))
    _raw(venue, tree.village_a1, at(DAY, 11), at(DAY, 12))  # touching: allowed
    _raw(venue, tree.village_a1, at(DAY, 10), at(DAY, 11), BookingStatus.CANCELLED)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        _raw(venue, tree.village_a2, at(DAY, 10, 30), at(DAY, 11, 30))


@postgresql_only
def test_the_service_turns_the_constraint_into_the_same_refusal(venue, tree, village_secretary,
                                                                a2_secretary):
    book(venue, village_secretary, tree.village_a1, at(DAY, 10), at(DAY, 11))
    clash = services.find_clash(venue, at(DAY, 10), at(DAY, 11))
    # The locked check misses the clash (as a write racing past it would): the constraint holds.
    with mock.patch.object(services, "find_clash", side_effect=[None, clash]):
        with pytest.raises(ValidationError) as exc:
            book(venue, a2_secretary, tree.village_a2, at(DAY, 10, 30), at(DAY, 11, 30))
    assert code_of(exc) == "overlap" and "青山村" in exc.value.messages[0]
    assert Booking.objects.count() == 1


# --- pages ----------------------------------------------------------------------------------

def next_week_day(offset=1):
    """A day of next week (Monday + offset): always bookable, whatever today is."""
    return week_of(None) + datetime.timedelta(days=7 + offset)


def test_the_week_calendar_shows_bookings_and_moves_by_week(login, venue, tree,
                                                            village_secretary):
    day = next_week_day()
    mine = book(venue, village_secretary, tree.village_a1, at(day, 10), at(day, 11),
                purpose="青山村主题党日", now=timezone.now())
    client = login(village_secretary)
    url = reverse("alliances:venue_detail", args=[venue.pk])
    page = client.get(url, {"week": day.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["monday"] == week_of(day.isoformat())
    assert html.count("青山村主题党日") == 2  # the week table and the phone's day list
    assert reverse("alliances:booking_cancel", args=[mine.pk]) in html
    assert "data-confirm" in html
    this_week = client.get(url).content.decode()
    assert "青山村主题党日" not in this_week and "本周还没有预约" in this_week


@pytest.mark.parametrize("week", ["garbage", "9999-12-31", "0001-01-01", "2026-02-30", ""])
def test_a_bad_week_is_no_error(login, venue, village_secretary, week):
    page = login(village_secretary).get(reverse("alliances:venue_detail", args=[venue.pk]),
                                        {"week": week})
    assert page.status_code == 200


def test_pages_outside_scope_are_404_and_without_capability_403(login, venue, alliance,
                                                                other_village_secretary,
                                                                leader, village_secretary):
    detail = reverse("alliances:venue_detail", args=[venue.pk])
    book_url = reverse("alliances:booking_create", args=[venue.pk])
    add_url = reverse("alliances:venue_create", args=[alliance.pk])
    client = login(other_village_secretary)
    assert [client.get(u).status_code for u in (detail, book_url, add_url)] == [404] * 3
    client = login(leader)
    assert [client.get(u).status_code for u in (detail, book_url, add_url)] == [200, 403, 403]
    client = login(village_secretary)
    assert [client.get(u).status_code for u in (detail, book_url, add_url)] == [200, 200, 403]


def test_booking_through_the_form(login, venue, tree, village_secretary):
    day = next_week_day(2)
    client = login(village_secretary)
    url = reverse("alliances:booking_create", args=[venue.pk])
    form = client.get(url, {"date": day.isoformat()}).context["form"]
    assert list(form.fields["org"].queryset) == [tree.village_a1]
    data = {"org": tree.village_a1.pk, "date": day.isoformat(), "start_time": "14:00",
            "end_time": "16:00", "purpose": "党员冬训", "attendees": 25}
    response = client.post(url, data)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (reverse("alliances:venue_detail", args=[venue.pk])
                                    + f"?week={week_of(day.isoformat()).isoformat()}")
    assert timezone.localtime(booking.start).hour == 14
    again = client.post(url, {**data, "start_time": "15:00", "end_time": "17:00"})
    assert again.status_code == 200
    assert "与青山村的预约冲突" in again.content.decode()
    over = client.post(url, {**data, "start_time": "08:00", "end_time": "09:00",
                             "attendees": 31})
    assert over.status_code == 200 and "容纳人数30人" in over.content.decode()
    bad = client.post(url, {**data, "date": "2026-02-30", "end_time": "13:00"})
    assert bad.status_code == 200 and Booking.objects.count() == 1


def test_a_village_of_another_alliance_is_sent_back(login, tree, village_secretary):
    """青山村 sees 青山镇's other alliance (it is a member of one there) but cannot book it."""
    make_alliance(tree.town_a, "青山镇绿色发展联盟", [tree.village_a1])
    other = make_alliance(tree.town_a, "青山镇蓝色治理联盟", [tree.village_a2])
    venue = Venue.objects.create(alliance=other, org=tree.village_a2, name="石桥村活动室")
    response = login(village_secretary).get(reverse("alliances:booking_create",
                                                    args=[venue.pk]))
    assert response.status_code == 302 and response["Location"] == venue.get_absolute_url()


def test_cancel_through_the_page(login, venue, tree, village_secretary, a2_secretary):
    day = next_week_day()
    booking = book(venue, village_secretary, tree.village_a1, at(day, 10), at(day, 11),
                   now=timezone.now())
    url = reverse("alliances:booking_cancel", args=[booking.pk])
    assert login(a2_secretary).post(url).status_code == 403
    response = login(village_secretary).post(url)
    assert response.status_code == 302 and "?week=" in response["Location"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    again = login(village_secretary).post(url, follow=True)
    assert "未能取消预约：该预约已取消。" in again.content.decode()


def test_the_township_adds_edits_and_closes_a_venue_through_the_pages(login, alliance, tree,
                                                               township_admin):
    client = login(township_admin)
    add_url = reverse("alliances:venue_create", args=[alliance.pk])
    assert set(client.get(add_url).context["form"].fields["org"].queryset) == {
        tree.village_a1, tree.village_a2, tree.unit}
    response = client.post(add_url, {"org": tree.village_a2.pk, "name": "石桥村文化礼堂",
                                      "kind": "village", "capacity": 80,
                                      "opening_hours": "每天"})
    venue = Venue.objects.get()
    assert response.status_code == 302 and response["Location"] == venue.get_absolute_url()
    edit_url = reverse("alliances:venue_edit", args=[venue.pk])
    response = client.post(edit_url, {"org": tree.village_a2.pk, "name": "石桥村礼堂",
                                      "kind": "village", "capacity": 60,
                                      "opening_hours": "每天"})
    venue.refresh_from_db()
    assert response.status_code == 302
    assert (venue.name, venue.capacity, venue.is_active) == ("石桥村礼堂", 60, False)
    bad = client.post(edit_url, {"org": tree.town_b.pk, "name": "", "kind": "x",
                                 "capacity": "-3", "opening_hours": ""})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_lists_and_the_home_panel(login, venue, tree, village_secretary, alliance):
    day = next_week_day()
    book(venue, village_secretary, tree.village_a1, at(day, 10), at(day, 11),
         purpose="联盟例会", now=timezone.now())
    client = login(village_secretary)
    listing = client.get(reverse("alliances:venue_list"))
    assert listing.status_code == 200 and "青山村党群服务中心" in listing.content.decode()
    assert "没有符合条件" in client.get(reverse("alliances:venue_list"),
                                       {"q": "不存在"}).content.decode()
    assert "青山村党群服务中心" in client.get(
        reverse("alliances:alliance_venues", args=[alliance.pk])).content.decode()
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-panel="alliance_venue_bookings"' in home and "联盟例会" in home


# --- query counts ---------------------------------------------------------------------------

def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_week_calendar_costs_the_same_for_few_and_many_bookings(login, venue, tree,
                                                                   village_secretary):
    monday = next_week_day(0)
    client = login(village_secretary)
    url = reverse("alliances:venue_detail", args=[venue.pk])
    Booking.objects.create(venue=venue, org=tree.village_a1, start=at(monday, 8),
                           end=at(monday, 9), purpose="一", booked_by=village_secretary)
    few = count_queries(client, url, week=monday.isoformat())
    Booking.objects.bulk_create([
        Booking(venue=venue, org=tree.village_a2 if n % 2 else tree.unit,
                start=at(monday + datetime.timedelta(days=n % 7), 9 + n // 7),
                end=at(monday + datetime.timedelta(days=n % 7), 10 + n // 7),
                purpose=f"活动{n}", booked_by=village_secretary) for n in range(40)])
    many = count_queries(client, url, week=monday.isoformat())
    assert few == many <= 10


def test_the_lists_cost_the_same_for_few_and_many_venues(login, venue, alliance, tree,
                                                         township_admin):
    client = login(township_admin)
    list_url = reverse("alliances:venue_list")
    alliance_url = reverse("alliances:alliance_venues", args=[alliance.pk])
    few = (count_queries(client, list_url), count_queries(client, alliance_url))
    other = make_alliance(tree.town_a, "青山镇蓝色治理联盟", [tree.village_a2])
    Venue.objects.bulk_create([Venue(alliance=alliance if n % 2 else other,
                                     org=tree.village_a2 if n % 3 else tree.unit,
                                     name=f"阵地{n}") for n in range(30)])
    many = (count_queries(client, list_url), count_queries(client, alliance_url))
    assert few == many and max(many) <= 10
