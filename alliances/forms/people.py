"""Forms of people across the alliance: the people search, mentor pairs, the expert roster and
the member-development steps. Person choices are narrowed to whom the user may pick and shown
through a search (an alliance's members hold hundreds of people); the services re-check every
rule."""

from django import forms
from django.utils import timezone

from alliances.membership import member_orgs_of
from alliances.models import Expert
from alliances.services import development, experts, mentors
from alliances.services.people import alliance_people, manages, member_orgs
from portal.models import Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"inputmode": "numeric"}


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.home_org.name}{'·' + obj.position if obj.position else ''}）"


def _today():
    return timezone.localdate()


class PeopleSearchForm(forms.Form):
    """联盟党员's filters (GET); a bad value is shown and left out."""

    q = forms.CharField(label="姓名", max_length=50, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "按姓名查找",
                                                      "type": "search"}))
    org = OrgNameField(label="成员组织", queryset=None, required=False, empty_label="全部成员组织")

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = member_orgs(alliance)


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=development.YEAR_MIN,
                              max_value=development.YEAR_MAX, required=False,
                              widget=forms.NumberInput(attrs=NUMBER))


class PickerForm(forms.Form):
    """A form whose person fields the page shows through a search (`picker_fields`: field
    name → the GET parameter of its search)."""

    picker_fields = {}


class MentorPairForm(PickerForm):
    picker_fields = {"mentor": "mentor_q", "mentee": "mentee_q"}

    mentor = PersonField(label="导师", queryset=Person.objects.none(),
                         error_messages={"required": "请选择导师。",
                                         "invalid_choice": "所选导师不是本联盟成员组织的人员。"})
    mentee = PersonField(label="徒弟", queryset=Person.objects.none(),
                         error_messages={"required": "请选择徒弟。",
                                         "invalid_choice": "所选徒弟不是本联盟成员组织的人员。"})
    started_on = forms.DateField(label="结对日期", widget=DATE_WIDGET)
    goals = forms.CharField(label="帮带目标", required=False, max_length=mentors.GOALS_MAX,
                            widget=forms.Textarea(attrs={"rows": 3, "placeholder":
                                                         "如：一年内熟悉村级党务和项目申报"}))

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        people = alliance_people(alliance)
        self.fields["mentor"].queryset = people
        self.fields["mentee"].queryset = people
        self.initial.setdefault("started_on", _today())

    def clean(self):
        cleaned = super().clean()
        mentor, mentee = cleaned.get("mentor"), cleaned.get("mentee")
        if mentor and mentee and mentor.pk == mentee.pk:
            self.add_error("mentee", "导师和徒弟不能是同一人。")
        return cleaned


class MentorEndForm(forms.Form):
    ended_on = forms.DateField(label="结束日期", widget=DATE_WIDGET,
                               error_messages={"required": "请填写结束日期。"})


class ExpertFieldsForm(forms.Form):
    specialties = forms.CharField(label="专长", max_length=experts.SPECIALTIES_MAX,
                                  help_text="多个专长用逗号、顿号或空格分隔，如：中药材种植、电商销售。",
                                  error_messages={"required": "请填写专长。"})
    introduction = forms.CharField(label="简介", required=False,
                                   max_length=experts.INTRODUCTION_MAX,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class ExpertAddForm(PickerForm, ExpertFieldsForm):
    picker_fields = {"person": "person_q"}

    person = PersonField(label="专家", queryset=Person.objects.none(),
                         error_messages={"required": "请选择专家。",
                                         "invalid_choice":
                                             "所选人员不在您的管理范围内或已在专家库中。"})

    field_order = ["person", "specialties", "introduction"]

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        on_roster = Expert.objects.filter(alliance=alliance, active=True).values("person_id")
        self.fields["person"].queryset = (
            Person.objects.visible_to(user, "person.view").filter(is_active=True)
            .exclude(pk__in=on_roster).select_related("home_org")
            .order_by("home_org__path", "name", "id"))


class ExpertEditForm(ExpertFieldsForm):
    def __init__(self, *args, expert, **kwargs):
        kwargs.setdefault("initial", {"specialties": expert.specialties,
                                      "introduction": expert.introduction})
        super().__init__(*args, **kwargs)


class QuotaForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=development.YEAR_MIN,
                              max_value=development.YEAR_MAX,
                              widget=forms.NumberInput(attrs=NUMBER))
    places = forms.IntegerField(label="指标数（名）", min_value=0, max_value=development.PLACES_MAX,
                                widget=forms.NumberInput(attrs=NUMBER),
                                error_messages={"required": "请填写指标数。"})
    note = forms.CharField(label="说明", max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder":
                                                         "如：县委组织部统筹下达"}))

    def __init__(self, *args, alliance, year, **kwargs):
        summary = development.quota_summary(alliance, year)
        initial = {"year": year}
        if summary["quota"] is not None:
            initial.update(places=summary["quota"].places, note=summary["quota"].note)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class RecommendForm(PickerForm):
    picker_fields = {"person": "person_q"}

    person = PersonField(label="入党积极分子", queryset=Person.objects.none(),
                         help_text="本联盟成员组织的在册非党员；成员组织只能推荐本组织的人员。",
                         error_messages={"required": "请选择推荐的人员。",
                                         "invalid_choice": "所选人员不能由您推荐。"})
    reason = forms.CharField(label="推荐理由", max_length=development.REASON_MAX,
                             error_messages={"required": "请填写推荐理由。"},
                             widget=forms.Textarea(attrs={"rows": 4, "placeholder":
                                                          "如：积极参加联盟志愿服务，群众评价好"}))
    recommended_on = forms.DateField(label="推荐日期", widget=DATE_WIDGET)

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        people = alliance_people(alliance).filter(is_party_member=False)
        if not manages(user, alliance):
            people = people.filter(home_org__in=member_orgs_of(user, alliance))
        self.fields["person"].queryset = people
        self.initial.setdefault("recommended_on", _today())


def _date_form(name, label):
    field = forms.DateField(label=label, widget=DATE_WIDGET,
                            error_messages={"required": f"请填写{label}。"})
    return type(f"{name.title().replace('_', '')}Form", (forms.Form,), {name: field})


TrainingForm = _date_form("training_since", "开始培养日期")
GrantForm = _date_form("granted_on", "给予指标日期")
AdmitForm = _date_form("admitted_on", "吸收日期")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200,
                             error_messages={"required": "请填写退出原因。"})


def default_year(form):
    """The year of a bound YearForm, this year when absent or invalid."""
    if form.is_bound and form.is_valid() and form.cleaned_data.get("year"):
        return form.cleaned_data["year"]
    return _today().year
