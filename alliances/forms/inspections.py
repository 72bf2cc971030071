"""Forms of cross-inspection (交叉检查): a new round, an inspection's result, a rectification
item and its closure. The service re-checks every rule; these give the phone its input types."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from alliances.models import Alliance, InspectionRound
from alliances.services.inspections import CAPABILITY, OWNER_KINDS, SEED_MAX
from portal.models import Organization
from portal.subqueries import count_per

DATE_WIDGET = {"type": "date"}


def date_input(**attrs):
    return forms.DateInput(attrs={**DATE_WIDGET, **attrs}, format="%Y-%m-%d")


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（在册联盟{obj.open_alliances}个）"


def owners_for(user):
    """Townships (and counties) where the user organizes inspections, with their open
    alliances counted in the same query — per owner by a correlated subquery, so the owners
    are not joined and grouped and the picker totals them as any other queryset."""
    return (Organization.objects.visible_to(user, CAPABILITY).filter(kind__in=OWNER_KINDS)
            .annotate(open_alliances=count_per(Alliance.objects.open(), "owner"))
            .order_by("path"))


class RoundForm(forms.Form):
    owner = OwnerField(label="组织单位", queryset=Organization.objects.none(), empty_label=None,
                       help_text="该单位所有在册联盟参加本轮检查，每个联盟检查另一个联盟。")
    title = forms.CharField(label="轮次名称", max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "如：2026年上半年联盟交叉检查"}))
    due = forms.DateField(label="完成期限", widget=date_input())
    seed = forms.IntegerField(label="分配种子", required=False, min_value=0, max_value=SEED_MAX,
                              help_text="留空则随机生成；同一种子、同一批联盟得到相同的分配。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due"].widget.attrs["min"] = timezone.localdate().isoformat()
        # Shown even when there is one: the label says how many alliances take part.
        self.fields["owner"].queryset = owners_for(user)


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label="检查日期", widget=date_input())
    score = forms.DecimalField(label="评分", min_value=0, max_value=100, max_digits=4,
                               decimal_places=1, help_text="0–100 分。",
                               widget=forms.NumberInput(attrs={"step": "0.5",
                                                               "inputmode": "decimal"}))
    findings = forms.CharField(label="检查发现", required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 5, "placeholder":
                                                            "亮点、问题和建议"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspected_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class RectificationForm(forms.Form):
    item = forms.CharField(label="整改事项", max_length=300,
                           error_messages={"required": "请填写整改事项。"})
    deadline = forms.DateField(label="整改期限", widget=date_input(),
                               error_messages={"required": "请填写整改期限。"})


class CloseRectificationForm(forms.Form):
    note = forms.CharField(label="整改情况", max_length=300,
                           error_messages={"required": "请填写整改情况。"})


class RoundFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "轮次或乡镇名称"}))

    class Meta:
        model = InspectionRound
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(owner__name__icontains=value))
