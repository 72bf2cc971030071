"""Filters of the pairing list pages (django-filter), narrowed to the user's scope.

The parameter names are the ones links and bookmarks already use (year, township, unit,
status, q, ...)."""

import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from pairing.forms.agreements import year_choices
from pairing.models import AgreementStatus, AnnualAgreement, Pairing
from portal.models import Organization
from portal.models.orgs import OrgKind


def townships(request):
    return (Organization.objects.visible_to(request.user).filter(kind=OrgKind.TOWNSHIP)
            .only("id", "name", "path"))


def paired_units(request):
    return (Organization.objects.filter(
        pk__in=Pairing.objects.visible_to(request.user).values("city_org_id"))
        .only("id", "name", "path"))


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
