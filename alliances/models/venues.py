"""Shared venues (阵地共建共享, 003 二.5): venues members open to the alliance, and bookings.

Two bookings of one venue never overlap: the booking service checks under a row lock on the
venue, and on PostgreSQL an exclusion constraint (migration 0003) holds even under concurrency.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin

from .structure import AllianceOrOrgScopedQuerySetMixin


class VenueKind(models.TextChoices):
    SERVICE_CENTER = "service_center", "党群服务中心"
    VILLAGE = "village", "村级活动场所"
    MEETING_ROOM = "meeting_room", "会议室"
    OTHER = "other", "其他"


class VenueQuerySet(AllianceOrOrgScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("alliance__owner__path", "org__path")


class Venue(models.Model):
    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="共享给联盟",
                                 on_delete=models.CASCADE, related_name="venues")
    org = models.ForeignKey("portal.Organization", verbose_name="提供单位",
                            on_delete=models.PROTECT, related_name="venues")
    name = models.CharField("阵地名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=VenueKind.choices,
                            default=VenueKind.SERVICE_CENTER)
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("容纳人数", default=30)
    opening_hours = models.CharField("开放时间", max_length=100, default="周一至周五 8:30-17:30")
    is_active = models.BooleanField("开放", default=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟阵地"
        verbose_name_plural = "联盟阵地"
        ordering = ["alliance", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alliances:venue_detail", args=[self.pk])


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CANCELLED = "cancelled", "已取消"


class BookingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("venue__alliance__owner__path", "org__path")

    def active(self):
        return self.filter(status=BookingStatus.BOOKED)


class Booking(models.Model):
    scope_domain = "alliance"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="bookings",
                              verbose_name="阵地")
    org = models.ForeignKey("portal.Organization", verbose_name="使用单位",
                            on_delete=models.PROTECT, related_name="venue_bookings")
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    purpose = models.CharField("用途", max_length=200)
    attendees = models.PositiveIntegerField("预计人数", default=10)
    status = models.CharField("状态", max_length=16, choices=BookingStatus.choices,
                              default=BookingStatus.BOOKED)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="预约人")
    created_at = models.DateTimeField("预约时间", auto_now_add=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = "阵地预约"
        verbose_name_plural = "阵地预约"
        ordering = ["venue", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")),
                                              name="booking_ends_after_start")]
        indexes = [models.Index(fields=["venue", "start"], name="booking_venue_start")]

    def __str__(self):
        return f"{self.venue} {self.start:%Y-%m-%d %H:%M}"
