"""Shared venues (阵地共建共享, 003 二.5): members offer venues to their alliance and book them.

Two active bookings of one venue never overlap. The check runs under a row lock on the venue
(every booking of a venue queues on that lock, so the second one sees the first); on
PostgreSQL the exclusion constraint `booking_no_overlap` (migration 0003) also holds against
any write that bypasses this module, and its IntegrityError becomes the same refusal.
Bookings are half-open intervals: 10:00–11:00 and 11:00–12:00 do not clash.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from alliances.models import Alliance, Booking, BookingStatus, Membership, Venue
from portal import audit
from portal.models import Organization
from portal.models.audit import AuditAction
from portal.scope import active_roles, has_capability, require, role_grants, under_any_path

BOOKING_HORIZON_DAYS = 180  # how far ahead a slot may be booked
LONGEST_BOOKING = datetime.timedelta(hours=24)
VENUE_FIELDS = ("org", "name", "kind", "address", "capacity", "opening_hours")
OVERLAP_CONSTRAINT = "booking_no_overlap"


def is_current_member(alliance, org) -> bool:
    return Membership.objects.current().filter(alliance=alliance, org=org).exists()


def booking_orgs_q(user, path_field="path"):
    """Q of the organizations the user books for: their own roles' subtrees for venue.book.
    The membership scope extender is left out on purpose: it lets a village see its
    township's alliances, not book in its neighbours' names."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Q()
    return under_any_path(path_field, [path for role, path, _ in active_roles(user)
                                       if role_grants(role, "venue.book")])


def bookable_orgs(user, venue):
    """Organizations the user may book for at `venue`: current members of its alliance that
    they book for (`booking_orgs_q`)."""
    return Organization.objects.filter(
        booking_orgs_q(user), alliance_memberships__alliance_id=venue.alliance_id,
        alliance_memberships__left_on__isnull=True)


def may_cancel(booking, user) -> bool:
    """The account that booked, or whoever manages the venue's alliance."""
    return ((booking.booked_by_id is not None and booking.booked_by_id == user.pk)
            or has_capability(user, "alliance.manage", booking.venue.alliance.owner))


def _require_manage(alliance, actor):
    require(actor, "alliance.manage", alliance.owner)
    if not Alliance.objects.visible_to(actor, "alliance.manage").filter(pk=alliance.pk).exists():
        raise PermissionDenied("您没有管理该联盟的权限。")


def _check_venue_fields(alliance, fields, *, check_member=True):
    if check_member and not is_current_member(alliance, fields["org"]):
        raise ValidationError({"org": ValidationError(
            f"{fields['org']}不是“{alliance}”的现有成员，不能提供阵地。", code="member")})
    if not fields.get("name", "").strip():
        raise ValidationError({"name": ValidationError("请填写阵地名称。", code="required")})
    if fields["capacity"] < 1:
        raise ValidationError({"capacity": ValidationError("容纳人数至少为1人。",
                                                           code="capacity")})


def add_venue(alliance, *, actor, org, name, kind, capacity, opening_hours, address="") -> Venue:
    """A member offers a venue to the alliance (recorded by whoever manages the alliance)."""
    fields = {"org": org, "name": name.strip(), "kind": kind, "address": address.strip(),
              "capacity": capacity, "opening_hours": opening_hours.strip()}
    with transaction.atomic():
        _require_manage(alliance, actor)
        alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if not alliance.is_open:
            raise ValidationError("该联盟已结束，不能再添加阵地。", code="closed")
        _check_venue_fields(alliance, fields)
        venue = Venue.objects.create(alliance=alliance, **fields)
        audit.record(AuditAction.CREATE, f"添加联盟阵地：{alliance} · {venue}", actor=actor,
                     venue=venue.pk, alliance=alliance.pk)
    return venue


def edit_venue(venue, *, actor, is_active=True, **fields) -> Venue:
    """Change a venue's details, or close it to new bookings (is_active=False); bookings
    already made stay (cancel them one by one if the venue is no longer available)."""
    with transaction.atomic():
        venue = (Venue.objects.select_for_update(of=("self",))
                 .select_related("alliance__owner", "org").get(pk=venue.pk))
        _require_manage(venue.alliance, actor)
        fields = {key: fields.get(key, getattr(venue, key)) for key in VENUE_FIELDS}
        fields["name"] = fields["name"].strip()
        _check_venue_fields(venue.alliance, fields, check_member=fields["org"] != venue.org)
        changed = [key for key, value in fields.items() if getattr(venue, key) != value]
        if venue.is_active != is_active:
            changed.append("is_active")
        for key, value in fields.items():
            setattr(venue, key, value)
        venue.is_active = is_active
        venue.save()
        audit.record(AuditAction.UPDATE, f"修改联盟阵地：{venue}", actor=actor, venue=venue.pk,
                     changed=changed)
    return venue


def _local(moment):
    return timezone.localtime(moment)


def clash_message(clash) -> str:
    start, end = _local(clash.start), _local(clash.end)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m月%d日 %H:%M}"
    return (f"该时段与{clash.org}的预约冲突（{start:%m月%d日 %H:%M}–{until}，"
            f"{clash.purpose}），请另选时间。")


def _overlap_error(clash):
    message = clash_message(clash) if clash else "该时段已被预约，请另选时间。"
    return ValidationError(message, code="overlap")


def find_clash(venue, start, end):
    """The first active booking of `venue` overlapping [start, end), or None."""
    return (Booking.objects.active().filter(venue=venue, start__lt=end, end__gt=start)
            .select_related("org").order_by("start").first())


def _check_slot(venue, start, end, attendees, now):
    if start >= end:
        raise ValidationError({"end": ValidationError("结束时间必须晚于开始时间。",
                                                      code="order")})
    if end - start > LONGEST_BOOKING:
        raise ValidationError({"end": ValidationError("一次预约不能超过24小时。",
                                                      code="too_long")})
    if start < now:
        raise ValidationError({"start": ValidationError("不能预约已经过去的时间。",
                                                        code="past")})
    if start > now + datetime.timedelta(days=BOOKING_HORIZON_DAYS):
        raise ValidationError({"start": ValidationError(
            f"最多只能预约{BOOKING_HORIZON_DAYS}天以内的时段。", code="horizon")})
    if attendees < 1:
        raise ValidationError({"attendees": ValidationError("预计人数至少为1人。",
                                                            code="capacity")})
    if attendees > venue.capacity:
        raise ValidationError({"attendees": ValidationError(
            f"预计人数{attendees}人超过{venue}的容纳人数{venue.capacity}人。",
            code="capacity")})


def book_venue(venue, *, actor, org, start, end, purpose, attendees, now=None) -> Booking:
    """Book [start, end) of `venue` for member `org`. Refused: outside the actor's scope or
    for an org they do not act for (403); a closed venue, a non-member, a slot in the past,
    beyond the horizon, over capacity, or overlapping an active booking (ValidationError)."""
    now = now or timezone.now()
    purpose = (purpose or "").strip()
    with transaction.atomic():
        if not Venue.objects.visible_to(actor, "venue.book").filter(pk=venue.pk).exists():
            raise PermissionDenied("您没有预约该阵地的权限。")
        if not bookable_orgs(actor, venue).filter(pk=org.pk).exists():
            if has_capability(actor, "venue.book", org) and not is_current_member(
                    venue.alliance, org):
                raise ValidationError({"org": ValidationError(
                    f"{org}不是“{venue.alliance}”的现有成员，不能预约该联盟的阵地。",
                    code="member")})
            raise PermissionDenied("您不能以该组织的名义预约。")
        # Every booking of this venue queues here; the check below then sees committed rows.
        venue = (Venue.objects.select_for_update(of=("self",)).select_related("alliance")
                 .get(pk=venue.pk))
        if not venue.is_active:
            raise ValidationError("该阵地已暂停开放，不能预约。", code="inactive")
        if not venue.alliance.is_open:
            raise ValidationError("该联盟已结束，阵地不再接受预约。", code="closed")
        if not purpose:
            raise ValidationError({"purpose": ValidationError("请填写用途。", code="required")})
        _check_slot(venue, start, end, attendees, now)
        clash = find_clash(venue, start, end)
        if clash:
            raise _overlap_error(clash)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(venue=venue, org=org, start=start, end=end,
                                                 purpose=purpose[:200], attendees=attendees,
                                                 booked_by=actor)
        except IntegrityError as exc:
            if OVERLAP_CONSTRAINT not in str(exc):
                raise
            raise _overlap_error(find_clash(venue, start, end)) from exc
        audit.record(AuditAction.CREATE,
                     f"预约联盟阵地：{venue} {_local(start):%Y-%m-%d %H:%M}（{org}）",
                     actor=actor, booking=booking.pk, venue=venue.pk)
    return booking


def cancel_booking(booking, *, actor, now=None) -> Booking:
    """Cancel an active booking that has not ended: the booker, or the alliance's managers.
    The slot is free again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (Booking.objects.select_for_update(of=("self",))
                   .select_related("venue__alliance__owner", "org").get(pk=booking.pk))
        if not may_cancel(booking, actor):
            raise PermissionDenied("只有预约人或联盟管理员可以取消预约。")
        if booking.status != BookingStatus.BOOKED:
            raise ValidationError("该预约已取消。", code="state")
        if booking.end <= now:
            raise ValidationError("该预约已经结束，不能取消。", code="past")
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
        audit.record(AuditAction.TRANSITION,
                     f"取消阵地预约：{booking.venue} {_local(booking.start):%Y-%m-%d %H:%M}"
                     f"（{booking.org}）", actor=actor, booking=booking.pk)
    return booking
