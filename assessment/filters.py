"""Filters of assessment's list pages (django-filter), every choice narrowed to the user's
scope. A bad value is shown on the form and ignored."""

import django_filters
from django import forms
from django.http import QueryDict
from django.utils import timezone

from assessment.forms.schemes import BodyField, assessing_bodies, year_choices
from assessment.models import Scheme, TargetKind
from portal.models import Organization


class BodyFilter(django_filters.ModelChoiceFilter):
    field_class = BodyField


class SchemeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="name", lookup_expr="icontains",
                                  max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "方案名称"}))
    year = django_filters.TypedChoiceFilter(label="年度", coerce=int,
                                            choices=lambda: [("", "全部"), *year_choices()])
    assessing_body = BodyFilter(label="考核单位", queryset=Organization.objects.none(),
                                empty_label="全部")
    target_kind = django_filters.ChoiceFilter(label="考核对象", choices=TargetKind.choices,
                                              empty_label="全部")

    class Meta:
        model = Scheme
        fields = ["q", "year", "assessing_body", "target_kind"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        bodies = assessing_bodies(request.user, "assessment.view")
        self.filters["assessing_body"].queryset = bodies


def default_grading_year(today=None):
    """Until the filing deadline has passed (end of January) the county files last year."""
    today = today or timezone.localdate()
    return today.year - 1 if today.month <= 2 else today.year


class GradingYearFilterSet(django_filters.FilterSet):
    """The year whose cohorts the 等次评定总览 lists (the default one when missing or bad)."""

    year = django_filters.TypedChoiceFilter(label="年度", coerce=int, choices=year_choices)

    class Meta:
        model = Scheme
        fields = ["year"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("year", str(default_grading_year()))
        super().__init__(data, *args, **kwargs)

    @property
    def selected_year(self):
        if self.form.is_valid() and self.form.cleaned_data.get("year"):
            return self.form.cleaned_data["year"]
        return default_grading_year()

    @property
    def qs(self):
        # A bad year falls back to the default instead of listing every year.
        return self.queryset.filter(year=self.selected_year)
