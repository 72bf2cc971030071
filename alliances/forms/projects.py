"""Forms of the project lists: a project (common or individual list) and a quarterly progress
update. Choices are narrowed to what the user may pick: the members whose lists they edit, and
people of the alliance's member organizations (an alliance has tens of members at most); the
rules themselves are the services'."""

import datetime

from django import forms

from alliances.models import ProjectStatus
from alliances.services.projects import editable_members, manages, quarter_of
from portal.models import Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.home_org.name}{'·' + obj.position if obj.position else ''}）"


def alliance_people(user, alliance):
    """People of the alliance's current members, its owner and its lead organization."""
    homes = list(alliance.memberships.current().values_list("org_id", flat=True))
    homes += [alliance.owner_id] + ([alliance.lead_org_id] if alliance.lead_org_id else [])
    return (Person.objects.visible_to(user, "person.view")
            .filter(is_active=True, home_org_id__in=homes).select_related("home_org")
            .order_by("home_org__path", "name"))


class ProjectForm(forms.Form):
    member = OrgNameField(label="清单", queryset=None, required=False,
                          empty_label="联盟共性化项目清单",
                          help_text="选择成员组织即列入其个性化项目清单。")
    name = forms.CharField(label="项目名称", max_length=100)
    goal = forms.CharField(label="项目目标", widget=forms.Textarea(attrs={"rows": 3}))
    owner = PersonField(label="负责人", queryset=Person.objects.none(), required=False,
                        empty_label="（未指定）")
    start_date = forms.DateField(label="开始日期", widget=DATE_WIDGET)
    end_date = forms.DateField(label="计划完成日期", widget=DATE_WIDGET)
    budget = forms.DecimalField(label="预算（万元）", min_value=0, max_digits=10,
                                decimal_places=2, initial=0)
    secretary_led = forms.BooleanField(label="书记领办", required=False,
                                       help_text="列入领办书记的书记党建任务清单。")
    secretary = PersonField(label="领办书记", queryset=Person.objects.none(), required=False,
                            empty_label="（未指定）",
                            help_text="个性化项目为该成员组织的人员；共性化项目为牵头组织的人员。")
    status = forms.ChoiceField(label="状态", choices=ProjectStatus.choices)

    def __init__(self, *args, user, alliance, project=None, member=None, **kwargs):
        if project is not None:
            kwargs.setdefault("initial", {
                key: getattr(project, key) for key in (
                    "name", "goal", "start_date", "end_date", "budget", "secretary_led",
                    "status")})
            kwargs["initial"].update(owner=project.owner_id, secretary=project.secretary_id)
        super().__init__(*args, **kwargs)
        people = alliance_people(user, alliance)
        self.fields["owner"].queryset = people
        self.fields["secretary"].queryset = people
        if project is None:
            del self.fields["status"]
            members = editable_members(user, alliance).order_by("path")
            self.fields["member"].queryset = members
            if not manages(user, alliance):
                self.fields["member"].required = True
                self.fields["member"].empty_label = None
            if member is not None:
                self.initial.setdefault("member", member.pk)
            today = datetime.date.today()
            self.initial.setdefault("start_date", today)
        else:
            del self.fields["member"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "计划完成日期不能早于开始日期。")
        if cleaned.get("secretary_led") and not cleaned.get("secretary"):
            self.add_error("secretary", "书记领办项目须指定领办书记。")
        return cleaned


QUARTERS = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]


class ProjectUpdateForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTERS, coerce=int)
    progress = forms.IntegerField(label="进度（%）", min_value=0, max_value=100)
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 4}))
    lowered = forms.BooleanField(label="进度下调", required=False,
                                 help_text="进度低于上一季度时勾选，并在进展情况中说明原因。")
    evidence = forms.FileField(label="佐证材料", required=False,
                               help_text="PDF、JPEG 或 PNG，不超过 10 MB。")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        year, quarter = quarter_of(datetime.date.today())
        self.initial.setdefault("year", year)
        self.initial.setdefault("quarter", quarter)
        self.initial.setdefault("progress", project.progress)
