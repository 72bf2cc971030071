"""Forms of shared venues: a venue offered by a member, and a booking of a slot.

The organization choices are narrowed to what the user may pick: the alliance's current members
(a venue), the members the user acts for (a booking). An alliance has tens of members at most,
so a drop-down serves.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from alliances.models import VenueKind
from alliances.services.venues import bookable_orgs
from portal.models import Organization


class VenueForm(forms.Form):
    org = forms.ModelChoiceField(label="提供单位", queryset=Organization.objects.none(),
                                 help_text="联盟的现有成员。")
    name = forms.CharField(label="阵地名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=VenueKind.choices)
    address = forms.CharField(label="地址", max_length=200, required=False)
    capacity = forms.IntegerField(label="容纳人数", min_value=1, max_value=100000, initial=30)
    opening_hours = forms.CharField(label="开放时间", max_length=100,
                                    initial="周一至周五 8:30-17:30")

    def __init__(self, data=None, *, alliance, venue=None, **kwargs):
        if venue is not None:
            kwargs.setdefault("initial", {
                "org": venue.org_id, "name": venue.name, "kind": venue.kind,
                "address": venue.address, "capacity": venue.capacity,
                "opening_hours": venue.opening_hours, "is_active": venue.is_active})
        super().__init__(data, **kwargs)
        self.fields["org"].queryset = Organization.objects.filter(
            alliance_memberships__alliance=alliance,
            alliance_memberships__left_on__isnull=True).order_by("path")
        if venue is not None:
            self.fields["is_active"] = forms.BooleanField(
                label="开放预约", required=False,
                help_text="暂停后不再接受新的预约，已有预约保留。")


class BookingForm(forms.Form):
    org = forms.ModelChoiceField(label="使用单位", queryset=Organization.objects.none())
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="开始时间",
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}))
    purpose = forms.CharField(label="用途", max_length=200)
    attendees = forms.IntegerField(label="预计人数", min_value=1, max_value=100000)

    def __init__(self, data=None, *, user, venue, initial_date=None, **kwargs):
        super().__init__(data, **kwargs)
        orgs = bookable_orgs(user, venue).order_by("path")
        self.fields["org"].queryset = orgs
        self.fields["attendees"].help_text = f"该阵地最多容纳{venue.capacity}人。"
        if initial_date is not None:
            self.fields["date"].initial = initial_date
        choices = list(orgs[:2])
        if len(choices) == 1:
            self.fields["org"].initial = choices[0].pk

    def clean(self):
        cleaned = super().clean()
        day, start, end = (cleaned.get(k) for k in ("date", "start_time", "end_time"))
        if day and start and end:
            zone = timezone.get_current_timezone()
            try:
                cleaned["start"] = datetime.datetime.combine(day, start, tzinfo=zone)
                cleaned["end"] = datetime.datetime.combine(day, end, tzinfo=zone)
            except OverflowError as exc:
                raise forms.ValidationError("日期无效。") from exc
            if end <= start:
                self.add_error("end_time", "结束时间必须晚于开始时间。")
        return cleaned

    def service_kwargs(self):
        data = self.cleaned_data
        return {"org": data["org"], "start": data["start"], "end": data["end"],
                "purpose": data["purpose"], "attendees": data["attendees"]}


class VenueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="阵地或联盟", method="search", max_length=50)
    kind = django_filters.ChoiceFilter(label="类型", choices=VenueKind.choices,
                                       empty_label="全部")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(alliance__name__icontains=value)
                               | Q(org__name__icontains=value))
