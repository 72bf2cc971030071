"""Filters of the alliance list (django-filter): township, type, kind, search, open/closed.
Every choice is narrowed to the user's scope; a bad value is shown on the form and ignored."""

import django_filters
from django import forms
from django.db.models import Q

from alliances.forms.structure import OrgNameField
from alliances.models import Alliance, AllianceKind, AllianceType
from portal.models import Organization


class OrgNameFilter(django_filters.ModelChoiceFilter):
    field_class = OrgNameField


STATUS_CHOICES = [("open", "进行中"), ("closed", "已结束")]


def visible_owners(user):
    """Townships (and the county) owning alliances the user sees."""
    owners = Alliance.objects.visible_to(user).values("owner")
    return (Organization.objects.filter(pk__in=owners).only("id", "name", "path")
            .order_by("path"))


class AllianceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "名称或目标任务"}))
    township = OrgNameFilter(label="乡镇", field_name="owner", queryset=Organization.objects.none())
    type = django_filters.ModelChoiceFilter(label="类型", queryset=AllianceType.objects.all(),
                                            empty_label="全部")
    kind = django_filters.ChoiceFilter(label="层级", choices=AllianceKind.choices,
                                       empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, empty_label="全部",
                                         method="by_status")

    class Meta:
        model = Alliance
        fields = ["q", "township", "type", "kind", "status"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["township"].queryset = visible_owners(request.user)

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(goals__icontains=value)
                               | Q(purpose__icontains=value))

    def by_status(self, queryset, name, value):
        return queryset.filter(closed_at__isnull=value == "open")
