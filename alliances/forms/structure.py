"""Forms of the alliance structure: found and edit an alliance, add members, a member leaves,
a task alliance closes. Every choice is narrowed to what the user may pick; the rules
themselves (one core per township, the parent, the task minimum) are the services'."""

from django import forms
from django.utils import timezone

from alliances.models import Alliance, AllianceKind, AllianceType
from alliances.services.structure import manageable_owners, member_candidates
from portal.models import Organization, Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CANDIDATES_SHOWN = 100


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AllianceNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.owner.name}）"


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.home_org.name}{'·' + obj.position if obj.position else ''}）"


class AllianceFieldsMixin(forms.Form):
    name = forms.CharField(label="联盟名称", max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "如：青山镇红色引领党建联盟"}))
    type = forms.ModelChoiceField(label="类型", queryset=AllianceType.objects.all(),
                                  empty_label="请选择类型")
    parent = AllianceNameField(label="上级联盟", required=False,
                               queryset=Alliance.objects.none(), empty_label="（无）",
                               help_text="片区联盟选择本乡镇的核心联盟；核心、任务型联盟不选。")
    founded = forms.DateField(label="成立日期", widget=DATE_WIDGET)
    goals = forms.CharField(label="目标任务", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    purpose = forms.CharField(label="任务（任务型联盟）", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="任务型联盟须写明要合力解决的重大问题或重点工作。")
    principles = forms.CharField(label="组建原则", max_length=200, required=False,
                                 initial="地域相邻、资源相融、规模适当")


def _core_parents(user):
    return (Alliance.objects.visible_to(user, "alliance.manage").open()
            .filter(kind=AllianceKind.CORE).select_related("owner").order_by("owner__path"))


class AllianceCreateForm(AllianceFieldsMixin):
    """组建联盟: the owner among the townships (or the county) the user manages."""

    kind = forms.ChoiceField(label="层级", choices=AllianceKind.choices)
    owner = OrgNameField(label="所属乡镇（县）", queryset=Organization.objects.none(),
                         empty_label="请选择")

    field_order = ["name", "kind", "type", "owner", "parent", "founded", "goals", "purpose",
                   "principles"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = manageable_owners(user)
        self.fields["owner"].queryset = owners
        owner_list = list(owners[:2])
        if len(owner_list) == 1:
            self.initial.setdefault("owner", owner_list[0].pk)
        self.fields["parent"].queryset = _core_parents(user)
        self.initial.setdefault("founded", timezone.localdate())


class AllianceEditForm(AllianceFieldsMixin):
    """修改联盟: the lead organization among its members, the leader among the people of the
    lead organization and of the owner."""

    lead_org = OrgNameField(label="牵头组织", required=False,
                            queryset=Organization.objects.none(), empty_label="（未指定）",
                            help_text="从现有成员组织中选择。")
    leader = PersonField(label="负责人", required=False, queryset=Person.objects.none(),
                         empty_label="（未指定）",
                         help_text="牵头组织或所属乡镇的人员；更换牵头组织后保存，再选负责人。")

    field_order = ["name", "type", "parent", "lead_org", "leader", "founded", "goals",
                   "purpose", "principles"]

    def __init__(self, *args, user, alliance, **kwargs):
        kwargs.setdefault("initial", {
            "name": alliance.name, "type": alliance.type_id, "parent": alliance.parent_id,
            "lead_org": alliance.lead_org_id, "leader": alliance.leader_id,
            "founded": alliance.founded, "goals": alliance.goals, "purpose": alliance.purpose,
            "principles": alliance.principles})
        super().__init__(*args, **kwargs)
        members = alliance.memberships.current().values("org")
        self.fields["lead_org"].queryset = (
            Organization.objects.filter(pk__in=members).only("id", "name", "path")
            .order_by("path"))
        homes = [alliance.owner_id] + ([alliance.lead_org_id] if alliance.lead_org_id else [])
        self.fields["leader"].queryset = (
            Person.objects.visible_to(user, "person.view")
            .filter(is_active=True, home_org_id__in=homes).select_related("home_org")
            .order_by("home_org__path", "name"))
        if alliance.kind == AllianceKind.AREA:
            self.fields["parent"].queryset = _core_parents(user).filter(owner=alliance.owner)
            self.fields["parent"].required = True
        else:
            del self.fields["parent"]
        if alliance.kind != AllianceKind.TASK:
            del self.fields["purpose"]


class OrgChoicesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class AddMembersForm(forms.Form):
    """Several organizations join at once. The page lists the candidates (narrowed by a search
    for big scopes); any candidate may be posted."""

    orgs = OrgChoicesField(label="加入的组织", queryset=Organization.objects.none(),
                           widget=forms.CheckboxSelectMultiple,
                           error_messages={"required": "请选择要加入的组织。",
                                           "invalid_choice": "所选组织不能加入本联盟。"})
    joined_on = forms.DateField(label="加入日期", widget=DATE_WIDGET)

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].queryset = member_candidates(alliance, user).order_by("path")
        self.initial.setdefault("joined_on", timezone.localdate())

    def shown_candidates(self, search=""):
        """(candidates to show, whether more matched): the first CANDIDATES_SHOWN."""
        rows = self.fields["orgs"].queryset.only("id", "name", "kind", "path")
        if search:
            rows = rows.filter(name__icontains=search)
        rows = list(rows[:CANDIDATES_SHOWN + 1])
        return rows[:CANDIDATES_SHOWN], len(rows) > CANDIDATES_SHOWN


class RemoveMemberForm(forms.Form):
    left_on = forms.DateField(label="退出日期", widget=DATE_WIDGET)
    reason = forms.CharField(label="退出原因", max_length=200,
                             error_messages={"required": "请填写退出原因。"})


class CloseAllianceForm(forms.Form):
    closed_at = forms.DateField(label="结束日期", widget=DATE_WIDGET)
    note = forms.CharField(label="结束说明", max_length=300,
                           error_messages={"required": "请填写结束说明（任务完成情况）。"})
