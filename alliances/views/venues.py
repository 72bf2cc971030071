"""Shared venue pages (阵地共建共享): the venues of the user's alliances and of one alliance, a
venue's week calendar, the booking form, cancelling, and adding or editing a venue.

Every page fetches through `visible_to(user, "alliance.view")` (404 outside it) and then checks
the capability: venue.book to book, alliance.manage on the alliance's owner to add or edit a
venue; a booking is cancelled by its booker or the alliance's managers. The rules live in
alliances.services.venues.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances.forms.venues import BookingForm, VenueFilterSet, VenueForm
from alliances.models import Alliance, Booking, Venue
from alliances.services import venues as services
from portal.models import Organization
from portal.scope import has_capability, scope_holds_every_org
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView

WEEKDAYS = "一二三四五六日"
EARLIEST_WEEK = datetime.date(2000, 1, 3)
LATEST_WEEK = datetime.date(2100, 12, 27)


def week_of(value, today=None) -> datetime.date:
    """The Monday of the week holding `value` (YYYY-MM-DD); a bad value means this week."""
    today = today or timezone.localdate()
    try:
        day = datetime.date.fromisoformat(value or "")
    except (TypeError, ValueError):
        day = today
    day = min(max(day, EARLIEST_WEEK), LATEST_WEEK)
    return day - datetime.timedelta(days=day.weekday())


def venue_week_url(venue, moment) -> str:
    monday = week_of(timezone.localtime(moment).date().isoformat())
    return f"{venue.get_absolute_url()}?week={monday.isoformat()}"


def _local_midnight(day):
    return datetime.datetime.combine(day, datetime.time.min,
                                     tzinfo=timezone.get_current_timezone())


class VenueListView(FilteredListView):
    """联盟阵地: the venues of the alliances the user sees (a member village sees those of its
    township's alliances)."""

    # The providers are fetched for the page's rows: joined, every organization of the city
    # was hashed before the sort of the scope's venues (city scale, county admin: 11 -> 4 ms).
    queryset = (Venue.objects.select_related("alliance__type", "alliance__owner")
                .prefetch_related(Prefetch("org", Organization.objects.only("id", "name")))
                .order_by("alliance__owner__path", "alliance__name", "name", "id"))
    visible_action = "alliance.view"
    list_capability = "alliance.view"
    denied_message = "您没有查看联盟阵地的权限。"
    filterset_class = VenueFilterSet
    template_name = "alliances/venues/venue_list.html"
    table_template = "alliances/venues/_venue_table.html"

    def get_queryset(self):
        """Every venue for a scope that holds the whole tree; else the scope's venues named by
        id. With the scope as subqueries in the sorted, limited list PostgreSQL guessed 800 of
        a city's 1,100 venues matched and walked all 5,800 organizations in path order, probing
        each one's alliances, to find a township's 5 (14,000 buffers)."""
        user = self.request.user
        if scope_holds_every_org(user, self.visible_action):
            return self.queryset.all()
        ids = (Venue.objects.visible_to(user, self.visible_action).order_by()
               .values_list("pk", flat=True))
        return self.queryset.filter(pk__in=list(ids))


@login_required
def alliance_venues(request, pk):
    """One alliance's venues, with 添加阵地 for whoever manages the alliance."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user, "alliance.view")
                                 .select_related("type", "owner"), pk=pk)
    venues = list(alliance.venues.select_related("org").order_by("name", "id"))
    return render(request, "alliances/venues/alliance_venues.html", {
        "alliance": alliance, "venues": venues,
        "may_manage": alliance.is_open and has_capability(user, "alliance.manage",
                                                          alliance.owner),
    })


@login_required
def venue_detail(request, pk):
    """A venue and its week: seven days with their active bookings (a table on wider screens,
    a list of days on a phone), previous and next week, booking and cancelling."""
    user = request.user
    venue = get_object_or_404(Venue.objects.visible_to(user, "alliance.view")
                              .select_related("alliance__type", "alliance__owner", "org"), pk=pk)
    today = timezone.localdate()
    monday = week_of(request.GET.get("week"), today)
    week_start, week_end = _local_midnight(monday), _local_midnight(
        monday + datetime.timedelta(days=7))
    bookings = list(venue.bookings.active().filter(start__lt=week_end, end__gt=week_start)
                    .select_related("org", "booked_by").order_by("start", "id"))
    now = timezone.now()
    may_manage = has_capability(user, "alliance.manage", venue.alliance.owner)
    for booking in bookings:
        booking.may_cancel = booking.end > now and (
            may_manage or (booking.booked_by_id is not None and booking.booked_by_id == user.pk))
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        start, end = _local_midnight(day), _local_midnight(day + datetime.timedelta(days=1))
        days.append({"date": day, "weekday": WEEKDAYS[offset], "is_today": day == today,
                     "is_past": day < today,
                     "bookings": [b for b in bookings if b.start < end and b.end > start]})
    may_book = (venue.is_active and venue.alliance.is_open
                and any(has_capability(user, "venue.book", org)
                        for org in (venue.alliance.owner, venue.org)))
    return render(request, "alliances/venues/venue_detail.html", {
        "venue": venue, "alliance": venue.alliance, "days": days, "monday": monday,
        "sunday": monday + datetime.timedelta(days=6), "booking_count": len(bookings),
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "this_week": week_of(None, today), "may_book": may_book,
        "may_manage": may_manage, "week_url": request.get_full_path(),
    })


class BookingCreateView(ServiceFormView):
    """预约阵地: a member the user acts for, a slot, the purpose and the number of people."""

    queryset = Venue.objects.select_related("alliance__owner", "org")
    visible_action = "alliance.view"
    capability = "venue.book"
    denied_message = "您没有预约联盟阵地的权限。"
    form_class = BookingForm
    template_name = "alliances/venues/booking_form.html"
    title = "预约：{obj.name}"
    submit_label = "提交预约"
    service = services.book_venue

    def capability_orgs(self, venue):
        return [venue.alliance.owner, venue.org]

    def refusal(self, venue):
        if not venue.is_active:
            return "该阵地已暂停开放，不能预约。"
        if not venue.alliance.is_open:
            return "该联盟已结束，阵地不再接受预约。"
        if not services.bookable_orgs(self.request.user, venue).exists():
            return "您所在的组织不是该联盟的现有成员，不能预约其阵地。"
        return ""

    def extra_form_kwargs(self, venue):
        initial_date = None
        if self.request.method == "GET" and self.request.GET.get("date"):
            try:
                initial_date = datetime.date.fromisoformat(self.request.GET["date"])
            except ValueError:
                initial_date = None
        return {"user": self.request.user, "venue": venue, "initial_date": initial_date}

    def service_kwargs(self, form):
        return form.service_kwargs()

    def get_success_message(self, venue, booking):
        start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
        return f"已预约{venue.name}：{start:%m月%d日 %H:%M}–{end:%H:%M}（{booking.org}）。"

    def get_success_url(self, venue, booking):
        return venue_week_url(venue, booking.start)

    def get_cancel_url(self, venue):
        return venue.get_absolute_url()


class BookingCancelView(ObjectActionView):
    """取消预约: its booker or the alliance's managers; the slot is free again."""

    queryset = Booking.objects.select_related("venue__alliance__owner", "org")
    visible_action = "alliance.view"
    service = services.cancel_booking
    success_message = "已取消预约，该时段已释放。"
    error_prefix = "未能取消预约："

    def check_permission(self, booking):
        if not services.may_cancel(booking, self.request.user):
            raise PermissionDenied("只有预约人或联盟管理员可以取消预约。")

    def get_success_url(self, booking, result):
        return venue_week_url(booking.venue, booking.start)

    def get_failure_url(self, booking):
        return venue_week_url(booking.venue, booking.start)


class VenueCreateView(ServiceFormView):
    """添加阵地: a current member offers a venue to the alliance (recorded by its managers)."""

    queryset = Alliance.objects.select_related("owner")
    visible_action = "alliance.view"
    capability = "alliance.manage"
    denied_message = "只有联盟所属乡镇或县委组织部可以添加阵地。"
    form_class = VenueForm
    title = "添加阵地：{obj.name}"
    service = services.add_venue
    success_message = "已添加阵地“{result.name}”。"

    def capability_orgs(self, alliance):
        return [alliance.owner]

    def refusal(self, alliance):
        return "" if alliance.is_open else "该联盟已结束，不能再添加阵地。"

    def extra_form_kwargs(self, alliance):
        return {"alliance": alliance}

    def get_cancel_url(self, alliance):
        return reverse("alliances:alliance_venues", args=[alliance.pk])


class VenueEditView(ServiceFormView):
    """修改阵地: details, the offering member, or closing it to new bookings."""

    queryset = Venue.objects.select_related("alliance__owner", "org")
    visible_action = "alliance.view"
    capability = "alliance.manage"
    denied_message = "只有联盟所属乡镇或县委组织部可以修改阵地。"
    form_class = VenueForm
    title = "修改阵地：{obj.name}"
    service = services.edit_venue
    success_message = "已保存“{result.name}”。"

    def capability_orgs(self, venue):
        return [venue.alliance.owner]

    def extra_form_kwargs(self, venue):
        return {"alliance": venue.alliance, "venue": venue}
