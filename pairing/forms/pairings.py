"""Forms of the pairing pages; every choice is narrowed to what the user may pick."""

import datetime

from django import forms
from django.utils import timezone

from pairing.models import Principle
from portal.forms import OrgChoiceField
from portal.models import Organization, Person
from portal.models.orgs import CITY_KINDS, OrgKind

_ORG_FIELDS = ("id", "name", "kind", "depth", "path")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.position or obj.home_org.name}）"


def _principles_field():
    return forms.MultipleChoiceField(label="结对原则", required=False, choices=Principle.choices,
                                     widget=forms.CheckboxSelectMultiple)


class PairingCreateForm(forms.Form):
    """Step one: the two organizations; 名誉村长 and 联络员 are set on the edit page."""

    city_org = OrgChoiceField(label="结对单位", queryset=Organization.objects.none(),
                              help_text="县直单位、城市社区、非公企业或工业园区")
    village_org = OrgChoiceField(label="结对村", queryset=Organization.objects.none())
    since = forms.DateField(label="结对日期", widget=forms.DateInput(attrs={"type": "date"}))
    principles = _principles_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = (Organization.objects.visible_to(user, "pairing.change").filter(is_active=True)
                .only(*_ORG_FIELDS))
        self.fields["city_org"].queryset = orgs.filter(kind__in=CITY_KINDS)
        self.fields["village_org"].queryset = orgs.filter(kind=OrgKind.VILLAGE)
        self.fields["since"].initial = timezone.localdate()

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError("结对日期不能晚于明年。")
        return since


class PairingEditForm(forms.Form):
    principles = _principles_field()
    honorary_head = PersonChoiceField(label="名誉村长", required=False,
                                      queryset=Person.objects.none(),
                                      help_text="结对单位的人员")
    liaison = PersonChoiceField(label="联络员", required=False, queryset=Person.objects.none(),
                                help_text="结对单位的人员")

    def __init__(self, *args, pairing, **kwargs):
        kwargs.setdefault("initial", {
            "principles": pairing.principles, "honorary_head": pairing.honorary_head_id,
            "liaison": pairing.liaison_id})
        super().__init__(*args, **kwargs)
        people = (Person.objects.filter(home_org__path__startswith=pairing.city_org.path,
                                        is_active=True)
                  .select_related("home_org").order_by("home_org__path", "name"))
        self.fields["honorary_head"].queryset = people
        self.fields["liaison"].queryset = people


class EndPairingForm(forms.Form):
    until = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate()


class PlanForm(forms.Form):
    goals = forms.CharField(label="共建目标", max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    tasks = forms.CharField(label="共建任务", max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 5}))
    measures = forms.CharField(label="保障措施", max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))


class ReturnPlanForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class StatisticsForm(forms.Form):
    year = forms.TypedChoiceField(
        label="年度", coerce=int, required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, f"{y}年") for y in range(this_year + 1, 2019, -1)]
        self.fields["year"].initial = this_year

    def chosen_year(self):
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year
