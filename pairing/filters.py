"""Filters of the pairing list pages (django-filter), narrowed to the user's scope.

The parameter names are the ones links and bookmarks already use (year, township, unit,
status, q, ...)."""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from pairing.forms.agreements import year_choices
from pairing.forms.meetings import current_half
from pairing.models import (
    AgreementStatus,
    AidHousehold,
    AnnualAgreement,
    DifficultyType,
    JointMeeting,
    Pairing,
    PairingStatus,
    PlanStatus,
    Principle,
    holds_every_pairing,
    pairing_ids_below_roots,
)
from portal.filters import OrgFilter
from portal.forms import OrgChoiceField
from portal.models import Organization
from portal.models.orgs import OrgKind

ORG_FIELDS = ("id", "name", "kind", "depth", "path")


def townships(request):
    return (Organization.objects.visible_to(request.user).filter(kind=OrgKind.TOWNSHIP)
            .only("id", "name", "path"))


def paired_units(request):
    """Units with a pairing the user may see. The pairings are those whose village or unit is
    among the organizations in scope, as IN-subqueries PostgreSQL hashes once: the picker counts
    every choice, and the scope's join of both sides with the tree made it probe each of a
    city's 5,800 organizations in turn (35,000 buffers)."""
    ids = pairing_ids_below_roots(request.user, "pairing.view")
    if holds_every_pairing(request.user, "pairing.view"):  # every pairing, no filter
        pairings = Pairing.objects.all()
    elif ids is not None:  # a unit's or a township's: its pairings by id, not every one hashed
        pairings = Pairing.objects.filter(pk__in=ids)
    else:
        in_scope = Organization.objects.visible_to(request.user, "pairing.view").values("pk")
        pairings = Pairing.objects.filter(Q(village_org__in=in_scope) | Q(city_org__in=in_scope))
    return Organization.objects.filter(pk__in=pairings.values("city_org_id")).only(*ORG_FIELDS)


class YearOrgFilterSet(django_filters.FilterSet):
    """A year (this year when missing or malformed) and the township / unit / name filters of
    rows that belong to a pairing; `prefix` leads from the row to its pairing."""

    prefix = ""

    year = django_filters.TypedChoiceFilter(label="年度", coerce=int, choices=year_choices,
                                            method="filter_nothing")
    township = django_filters.ModelChoiceFilter(label="乡镇", empty_label="全部乡镇",
                                                queryset=townships, method="filter_township")
    unit = django_filters.ModelChoiceFilter(label="结对单位", empty_label="全部单位",
                                            queryset=paired_units, method="filter_unit")
    q = django_filters.CharFilter(label="搜索", max_length=50, method="filter_q")

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("year", str(timezone.localdate().year))
        super().__init__(data, *args, request=request, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "村或单位名称"

    @property
    def selected_year(self):
        return self.form.cleaned_data.get("year") or timezone.localdate().year

    def filter_queryset(self, queryset):
        return self.filter_year(super().filter_queryset(queryset), self.selected_year)

    def filter_year(self, queryset, year):
        return queryset.filter(year=year)

    def filter_nothing(self, queryset, name, value):
        return queryset  # the year applies in filter_queryset, also when it did not clean

    def filter_township(self, queryset, name, value):
        return queryset.filter(**{f"{self.prefix}village_org__path__startswith": value.path})

    def filter_unit(self, queryset, name, value):
        return queryset.filter(**{f"{self.prefix}city_org": value})

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(**{f"{self.prefix}village_org__name__contains": value})
                               | Q(**{f"{self.prefix}city_org__name__contains": value}))


class AgreementFilterSet(YearOrgFilterSet):
    """The county's agreement list: current versions of one year."""

    prefix = "pairing__"
    status = django_filters.ChoiceFilter(label="状态", empty_label="全部状态",
                                         choices=AgreementStatus.choices)

    class Meta:
        model = AnnualAgreement
        fields = ["status"]


class UnsignedFilterSet(YearOrgFilterSet):
    """Active pairings of a year without a filed agreement (未签订), with their latest
    agreement's id and status."""

    class Meta:
        model = Pairing
        fields = []

    def filter_year(self, queryset, year):
        of_year = AnnualAgreement.objects.filter(pairing=OuterRef("pk"), year=year)
        latest = of_year.order_by("-version")
        return (queryset.filter(since__year__lte=year)
                .annotate(has_filed=Exists(of_year.filter(status=AgreementStatus.FILED)),
                          agreement_id=Subquery(latest.values("pk")[:1]),
                          agreement_status=Subquery(latest.values("status")[:1]))
                .filter(has_filed=False))


class OrgChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = OrgChoiceField


def pairing_townships(request):
    return (Organization.objects.visible_to(request.user, "pairing.view")
            .filter(kind=OrgKind.TOWNSHIP).only(*ORG_FIELDS))


def _search_box(placeholder):
    return forms.TextInput(attrs={"placeholder": placeholder})


class PairingFilterSet(django_filters.FilterSet):
    """结对共建 list: name or code, township, unit, status, plan status, principle."""

    q = django_filters.CharFilter(label="搜索", max_length=50, method="filter_q",
                                  widget=_search_box("村或单位名称、编码"))
    township = OrgFilter(label="乡镇", path_field="village_org__path", empty_label="全部",
                         queryset=pairing_townships)
    unit = OrgChoiceFilter(
        label="结对单位", field_name="city_org", empty_label="全部",
        queryset=paired_units)
    status = django_filters.ChoiceFilter(label="状态", empty_label="全部",
                                         choices=PairingStatus.choices)
    plan = django_filters.ChoiceFilter(label="方案", field_name="plan_status", empty_label="全部",
                                       choices=PlanStatus.choices)
    principle = django_filters.ChoiceFilter(label="结对原则", empty_label="全部",
                                            choices=Principle.choices, method="filter_principle")

    class Meta:
        model = Pairing
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(village_org__name__icontains=value) | Q(city_org__name__icontains=value)
            | Q(village_org__code__iexact=value) | Q(city_org__code__iexact=value))

    def filter_principle(self, queryset, name, value):
        # Principle keys are not substrings of each other; works on SQLite and PostgreSQL.
        return queryset.filter(principles__icontains=value)


class UnpairedFilterSet(django_filters.FilterSet):
    """未结对村: village name or code, township."""

    q = django_filters.CharFilter(label="搜索", max_length=50, method="filter_q",
                                  widget=_search_box("村名称或编码"))
    township = OrgFilter(label="乡镇", path_field="path", empty_label="全部",
                         queryset=pairing_townships)

    class Meta:
        model = Organization
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class MissingMeetingsFilterSet(django_filters.FilterSet):
    """Pairings without a joint meeting in a half year (this half year by default; a bad
    year or half falls back to it)."""

    year = django_filters.TypedChoiceFilter(label="年度", coerce=int, method="filter_nothing")
    half = django_filters.TypedChoiceFilter(label="半年", coerce=int, method="filter_nothing",
                                            choices=[(1, "上半年"), (2, "下半年")])
    township = OrgFilter(label="乡镇", path_field="village_org__path", empty_label="全部乡镇",
                         queryset=lambda request: Organization.objects.visible_to(request.user)
                         .of_kind(OrgKind.TOWNSHIP).only(*ORG_FIELDS))

    class Meta:
        model = Pairing
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year, this_half = current_half()
        self.filters["year"].extra["choices"] = [
            (y, f"{y}年") for y in range(this_year, this_year - 5, -1)]
        self.form.fields["year"].initial, self.form.fields["half"].initial = this_year, this_half

    def period(self):
        year, half = current_half()
        if self.is_bound and self.form.is_valid():
            year = self.form.cleaned_data["year"] or year
            half = self.form.cleaned_data["half"] or half
        return year, half

    def filter_nothing(self, queryset, name, value):
        return queryset  # the period applies in filter_queryset, also when it did not clean

    def filter_queryset(self, queryset):
        year, half = self.period()
        end = datetime.date(year, 6, 30) if half == 1 else datetime.date(year, 12, 31)
        held = JointMeeting.objects.filter(pairing=OuterRef("pk"), year=year, half=half)
        return super().filter_queryset(queryset).filter(since__lte=end).filter(~Exists(held))


class HouseholdFilterSet(django_filters.FilterSet):
    """帮扶对象: head, phone or address; village (on the county/township list); type; status."""

    q = django_filters.CharFilter(label="搜索", max_length=50, method="filter_q",
                                  widget=_search_box("户主姓名、电话或住址"))
    village = django_filters.ModelChoiceFilter(
        label="村", field_name="village_org", empty_label="全部村",
        queryset=lambda request: Organization.objects.visible_to(request.user, "aid.view")
        .of_kind(OrgKind.VILLAGE).only("id", "name"))
    difficulty = django_filters.ChoiceFilter(label="困难类型", empty_label="全部",
                                             choices=DifficultyType.choices)
    active = django_filters.ChoiceFilter(label="状态", empty_label="全部", method="filter_active",
                                         choices=[("1", "帮扶中"), ("0", "已结束")])

    class Meta:
        model = AidHousehold
        fields = []

    def __init__(self, *args, village=None, **kwargs):
        super().__init__(*args, **kwargs)
        if village is not None:
            del self.filters["village"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(head_name__icontains=value) | Q(phone=value)
                               | Q(address__icontains=value))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
