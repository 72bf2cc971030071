"""Forms of the service menu (三向互动), the alliance's micro-wishes and needs, and the
一月一公益 board. Every choice is narrowed to what the user may pick; the services re-check
every rule."""

from django import forms

from alliances import hooks
from alliances.forms.structure import OrgNameField
from alliances.membership import member_orgs_of
from alliances.models import Alliance
from alliances.models.menu import MenuChannel
from alliances.services import menu as services
from alliances.services.stars import YEAR_MAX, YEAR_MIN
from pairing.models import NeedKind

NUMBER = {"inputmode": "numeric"}


class ProposeItemForm(forms.Form):
    title = forms.CharField(label="服务项目", max_length=services.TITLE_MAX,
                            error_messages={"required": "请填写服务项目。"},
                            widget=forms.TextInput(attrs={"placeholder": "如：义诊进村、政策宣讲"}))
    description = forms.CharField(label="服务内容", max_length=services.DESCRIPTION_MAX,
                                  required=False, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(label="来源方式")
    org = OrgNameField(label="提出组织", queryset=None, required=False, empty_label=None)

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = member_orgs_of(user, alliance)
        managing = services.can_manage(user, alliance)
        channels = set(services.MANAGER_CHANNELS if managing else ())
        if orgs.exists():
            channels |= set(services.MEMBER_CHANNELS)
            self.fields["org"].queryset = orgs
            self.fields["org"].required = not managing
            if managing:
                self.fields["org"].empty_label = "（以联盟名义，不选组织）"
        else:
            del self.fields["org"]
        self.fields["channel"].choices = [(value, label) for value, label in MenuChannel.choices
                                          if value in channels]
        self.fields["channel"].help_text = ("党员群众选：成员投票；部门结对送：县直单位提出并承办；"
                                            "党建联盟定：由联盟排期。")


class CommitItemForm(forms.Form):
    org = OrgNameField(label="承办单位", queryset=None, empty_label=None,
                       error_messages={"required": "请选择承办单位。"})

    def __init__(self, *args, user, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = services.committing_orgs(user, item.alliance)


class ScheduleItemForm(forms.Form):
    planned_date = forms.DateField(label="计划日期", widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"required": "请填写计划日期。",
                                                   "invalid": "请填写有效的日期。"})
    org = OrgNameField(label="承办组织", queryset=None, empty_label=None,
                       error_messages={"required": "请选择承办组织。"},
                       help_text="该组织的活动台账中将生成一条计划（草稿）活动。")
    theme = forms.ChoiceField(label="活动主题", error_messages={"required": "请选择活动主题。"})

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = services.current_member_orgs(item.alliance)
        self.fields["theme"].choices = hooks.activity_theme_choices()
        self.initial.setdefault("theme", "monthly_charity")
        if item.provider_id:
            self.initial.setdefault("org", item.provider_id)


class WithdrawItemForm(forms.Form):
    reason = forms.CharField(label="撤下原因", max_length=services.REASON_MAX,
                             error_messages={"required": "请填写撤下原因。"})


class CharityBoardForm(forms.Form):
    """The 一月一公益 board's selectors (GET); a bad value is shown and the default used."""

    township = OrgNameField(label="乡镇", queryset=None, required=False, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX,
                              required=False, widget=forms.NumberInput(attrs=NUMBER))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = owners


class AllianceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AllianceNeedsFilterForm(forms.Form):
    """联盟需求's filters: one of the user's alliances, the kind of need."""

    alliance = AllianceChoiceField(label="联盟", queryset=Alliance.objects.none(),
                                   required=False, empty_label="全部联盟")
    kind = forms.ChoiceField(label="类别", required=False,
                             choices=[("", "全部类别"), *NeedKind.choices])

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances
