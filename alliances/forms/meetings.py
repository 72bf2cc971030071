"""Forms of meetings and site visits (例会、观摩、轮办): plan and edit, record as held with the
minutes and attendees, cancel with a reason, upload photos, and the list's filter. Choices are
narrowed to the alliance's current members and their people; the services re-check every rule."""

from django import forms

from alliances.models import MeetingKind, MeetingStatus
from alliances.services.meetings import (
    REASON_MAX,
    current_members,
    eligible_attendees,
    photo_limits,
)
from portal.forms import MultipleFileField
from portal.middleware import upload_request_limit_text
from portal.models import Person

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
CANDIDATES_SHOWN = 100
OUTSIDER = "所选人员不属于本联盟现有成员组织。"


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AttendeesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.home_org.name}）"


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[("", "全部")] + MeetingKind.choices,
                             required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部")] + MeetingStatus.choices,
                               required=False)


class MeetingForm(forms.Form):
    """计划会议 / 修改计划: the host among the current members, pre-filled from the rotation."""

    kind = forms.ChoiceField(label="类型", choices=MeetingKind.choices)
    title = forms.CharField(label="主题", max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": "如：第二季度联盟例会"}))
    starts_at = forms.DateTimeField(label="时间", widget=DATETIME_WIDGET,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                                                   "%Y-%m-%d %H:%M:%S"])
    place = forms.CharField(label="地点", max_length=100)
    host_org = OrgNameField(label="承办成员", queryset=None, empty_label="请选择",
                            help_text="党建活动轮办：默认为最久未承办的成员。")
    agenda = forms.CharField(label="议程", required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_org"].queryset = current_members(alliance).only("id", "name", "path")


class HeldForm(forms.Form):
    """记录召开情况: any eligible person may be posted; the page shows the first
    CANDIDATES_SHOWN found by name, plus those already chosen."""

    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": "请填写会议纪要。"})
    attendees = AttendeesField(label="参加人员", queryset=Person.objects.none(),
                               widget=forms.CheckboxSelectMultiple,
                               error_messages={"required": "请选择参加人员。",
                                               "invalid_choice": OUTSIDER,
                                               "invalid_pk_value": "所选人员无效。"})

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = eligible_attendees(alliance)

    def chosen_ids(self):
        if self.is_bound:
            values = self.data.getlist("attendees") if hasattr(self.data, "getlist") else []
        else:
            values = [getattr(p, "pk", p) for p in self.initial.get("attendees") or ()]
        return {str(value) for value in values}

    def shown_candidates(self, search=""):
        """(people to show, whether more matched): the chosen ones first, then the first
        CANDIDATES_SHOWN matching the search."""
        people = (self.fields["attendees"].queryset.select_related("home_org")
                  .only("id", "name", "home_org__name", "home_org__path")
                  .order_by("home_org__path", "name", "id"))
        chosen_ids = [int(v) for v in self.chosen_ids() if v.isdigit()]
        chosen = list(people.filter(pk__in=chosen_ids))
        rows = people.exclude(pk__in=chosen_ids)
        if search:
            rows = rows.filter(name__icontains=search)
        rows = list(rows[:CANDIDATES_SHOWN + 1])
        return chosen + rows[:CANDIDATES_SHOWN], len(rows) > CANDIDATES_SHOWN


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=REASON_MAX,
                             error_messages={"required": "请填写取消原因。"})


class PhotoUploadForm(forms.Form):
    files = MultipleFileField(label="照片或签到表",
                              error_messages={"required": "请选择要上传的照片或文件。"})
    caption = forms.CharField(label="说明", max_length=100, required=False,
                              widget=forms.TextInput(attrs={"placeholder": "如：现场观摩"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = ("可一次选择多张。" + photo_limits()
                                          + upload_request_limit_text())
