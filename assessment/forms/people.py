"""Forms of the pages of the people assessed: appeals (申诉), enrolment (行动报名) and the
villages' ratings of talents (人才评价). Every choice is narrowed to what the user may pick."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

from assessment.models import Action, AppealStatus, TalentEvaluation
from assessment.services.enrolment import cadres_of
from portal.models import Organization, Person
from portal.models.orgs import OrgKind

DATE_WIDGET = {"type": "date"}
FIRST_YEAR = 2020


def current_quarter(today=None):
    today = today or timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def year_choices(today=None):
    today = today or timezone.localdate()
    return [(y, f"{y}年") for y in range(today.year + 1, FIRST_YEAR - 1, -1)]


QUARTER_CHOICES = [(q, f"第{q}季度") for q in (1, 2, 3, 4)]


class AppealForm(forms.Form):
    reason = forms.CharField(
        label="申诉理由", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder":
                                     "请说明哪一项得分有误、为什么，如：3月12日参加石桥村入户走访未计入"}),
        error_messages={"required": "请填写申诉理由。"})


class DecisionForm(forms.Form):
    decision = forms.CharField(label="处理意见", max_length=500,
                               error_messages={"required": "请填写处理意见。"})


class AppealFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=AppealStatus.choices,
                                         empty_label="全部")


class YearForm(forms.Form):
    """The year of a page (GET); a bad or missing value means this year."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())
    q = forms.CharField(label="单位名称", required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()

    def value(self, name, default):
        if self.is_valid() and self.cleaned_data.get(name) not in (None, ""):
            return self.cleaned_data[name]
        return default


class EnrolUnitForm(forms.Form):
    """一键报名: every cadre of the unit not yet in the action joins it from a date."""

    action = forms.ModelChoiceField(label="行动", queryset=Action.objects.none(),
                                    empty_label=None)
    year = forms.IntegerField(label="年度", min_value=FIRST_YEAR, max_value=2100,
                              widget=forms.HiddenInput())
    start_date = forms.DateField(label="参加日期",
                                 widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = Action.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        year, start = data.get("year"), data.get("start_date")
        if year and start and start.year != year:
            self.add_error("start_date", "参加日期应在报名年度之内。")
        return data


class ExemptForm(forms.Form):
    reason = forms.CharField(label="特殊情况说明", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder":
                                                          "如：长期病假、借调外地"}),
                             error_messages={"required": "请填写特殊情况说明。"})


class PersonNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ReplaceForm(forms.Form):
    """更换人员: the successor is one of the unit's cadres (a select limited to the unit)."""

    successor = PersonNameField(label="接替人员", queryset=Person.objects.none())
    on = forms.DateField(label="更换日期", help_text="接替人员自该日起参加，原人员计到前一日。",
                         widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    reason = forms.CharField(label="更换原因", max_length=300,
                             error_messages={"required": "请填写更换原因。"})

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (cadres_of(enrolment.org)
                                             .exclude(pk=enrolment.person_id)
                                             .only("id", "name").order_by("name", "id"))
        self.fields["on"].initial = max(timezone.localdate(),
                                        enrolment.start_date + datetime.timedelta(days=1))


def villages_to_rate(user):
    return (Organization.objects.visible_to(user, "assessment.evaluate")
            .filter(kind=OrgKind.VILLAGE, is_active=True)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


class VillageField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EvaluationPeriodForm(forms.Form):
    """The village and quarter of the ratings page (GET); bad values mean the defaults."""

    village = VillageField(label="村", required=False, queryset=Organization.objects.none(),
                           empty_label=None)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())
    quarter = forms.TypedChoiceField(label="季度", coerce=int, required=False,
                                     choices=QUARTER_CHOICES)

    def __init__(self, *args, villages, several, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["village"].queryset = villages
        if not several:
            self.fields["village"].widget = forms.HiddenInput()


class RatingForm(forms.Form):
    """One tap: the village rates one talent for one quarter."""

    village = VillageField(queryset=Organization.objects.none())
    person = forms.ModelChoiceField(queryset=Person.objects.select_related("home_org"))
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=2100)
    quarter = forms.TypedChoiceField(coerce=int, choices=QUARTER_CHOICES)
    rating = forms.TypedChoiceField(coerce=int, choices=TalentEvaluation.Rating.choices,
                                    error_messages={"required": "请选择评价等次。",
                                                    "invalid_choice": "请选择评价等次。"})
    comment = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
