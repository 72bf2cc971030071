"""Filters of the ledger's list pages (django-filter), every choice narrowed to the user's scope.

The parameter names are the ones links, bookmarks and tests already use: activities `q`,
`township`, `org`, `month`, `theme`, `status`; requests `q`, `village`, `date_from`, `date_to`,
`category`, `status`; reports `year`, `half`. A bad value is shown on the form and ignored.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from ledger.forms.activities import NOT_LOGGING
from ledger.forms.reports import MonthField, half_year_choices
from ledger.forms.requests import OrgNameField, villages_for
from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    RequestCategory,
    RequestStatus,
    ResidentRequest,
    TownshipReport,
)
from ledger.services.reports import HALF_LABELS, current_half, previous_half
from portal.models import Organization
from portal.models.orgs import OrgKind

DATE_WIDGET = {"type": "date"}


class OrgNameFilter(django_filters.ModelChoiceFilter):
    field_class = OrgNameField


class MonthFilter(django_filters.Filter):
    """A month typed as YYYY-MM (the `<input type="month">` format): a date range."""

    field_class = MonthField

    def filter(self, qs, value):
        return qs.in_month(*value) if value else qs


def _keep_if_several(filterset, name, queryset):
    """Offer an organization filter only when there is more than one to choose from (two
    read, not all counted: a city's 5,800 organizations were counted on every list)."""
    if queryset[:2].count() > 1:
        filterset.filters[name].queryset = queryset
    else:
        del filterset.filters[name]


class ActivityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "名称、内容或地点"}))
    township = OrgNameFilter(label="乡镇", queryset=Organization.objects.none(),
                             method="in_township")
    org = OrgNameFilter(label="组织", queryset=Organization.objects.none())
    month = MonthFilter(label="月份", widget=forms.TextInput(attrs={"type": "month",
                                                                  "placeholder": "2026-03"}))
    theme = django_filters.ModelChoiceFilter(label="主题", queryset=ActivityTheme.objects.all(),
                                             empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=ActivityStatus.choices,
                                         empty_label="全部")

    class Meta:
        model = Activity
        fields = ["q", "township", "org", "month", "theme", "status"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        visible = Organization.objects.visible_to(request.user, "ledger.view").order_by("path")
        _keep_if_several(self, "township",
                         visible.filter(kind=OrgKind.TOWNSHIP).only("id", "name", "path"))
        _keep_if_several(self, "org",
                         visible.exclude(kind__in=NOT_LOGGING).only("id", "name", "path"))

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(content__icontains=value)
                               | Q(place__icontains=value))

    def in_township(self, queryset, name, value):
        return queryset.filter(org__path__startswith=value.path)


class ActivityQueueFilterSet(ActivityFilterSet):
    """The 待确认 queue's filters: village (organization), month, township, theme and text;
    every row is submitted, so no status filter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["status"]


class RequestFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")  # and date_to is ignored
        return data


class RequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(
                                      attrs={"placeholder": "内容、反映人或研判意见"}))
    village = OrgNameFilter(label="村", field_name="village_org",
                            queryset=Organization.objects.none())
    date_from = django_filters.DateFilter(
        label="起始日期", field_name="date", lookup_expr="gte",
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    date_to = django_filters.DateFilter(
        label="截止日期", field_name="date", lookup_expr="lte",
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    category = django_filters.ChoiceFilter(label="类别", choices=RequestCategory.choices,
                                           empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=RequestStatus.choices,
                                         empty_label="全部")

    class Meta:
        model = ResidentRequest
        fields = ["q", "village", "date_from", "date_to", "category", "status"]
        form = RequestFilterForm

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        _keep_if_several(self, "village", villages_for(request.user, "resident.view"))

    def search(self, queryset, name, value):
        return queryset.filter(Q(content__icontains=value) | Q(raised_by__icontains=value)
                               | Q(judgement__icontains=value))


def default_half(today=None):
    """Early in a half year the county is still collecting the last one's reports."""
    today = today or timezone.localdate()
    year, half = current_half(today)
    if today.month in (1, 2, 7, 8):
        return previous_half(year, half)
    return year, half


class HalfYearFilterSet(django_filters.FilterSet):
    """The half year whose reports the township table shows (the default one when missing or
    malformed); the history below lists every report, so these filter no rows."""

    year = django_filters.TypedChoiceFilter(label="年度", coerce=int,
                                            choices=half_year_choices, method="filter_nothing")
    half = django_filters.TypedChoiceFilter(label="半年", coerce=int,
                                            choices=list(HALF_LABELS.items()),
                                            method="filter_nothing")

    class Meta:
        model = TownshipReport
        fields = ["year", "half"]

    def __init__(self, data=None, *args, **kwargs):
        year, half = default_half()
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("year", str(year))
        data.setdefault("half", str(half))
        self.default = (year, half)
        super().__init__(data, *args, **kwargs)

    @property
    def selected_half(self):
        if self.form.is_valid():
            return self.form.cleaned_data["year"], self.form.cleaned_data["half"]
        return self.default

    def filter_nothing(self, queryset, name, value):
        return queryset
