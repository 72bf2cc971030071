"""Forms of the villagers' requests (民情诉求): record, judge, resolve, publish as need."""

from django import forms
from django.utils import timezone

from ledger.models import ResidentRequest
from pairing.models import NeedKind
from portal.idnumber import phone_problem
from portal.models import Organization
from portal.models.orgs import OrgKind

DATE_WIDGET = {"type": "date"}


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def villages_for(user, capability):
    return (Organization.objects.visible_to(user, capability).filter(kind=OrgKind.VILLAGE)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


class RequestForm(forms.ModelForm):
    """Record a request; the village is chosen only when the user keeps several villages."""

    village_org = OrgNameField(label="村", queryset=Organization.objects.none())

    class Meta:
        model = ResidentRequest
        fields = ("village_org", "date", "category", "content", "raised_by", "raised_by_phone")
        widgets = {
            "date": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "content": forms.Textarea(attrs={"rows": 4, "placeholder": "群众反映的问题或需求"}),
            "raised_by": forms.TextInput(attrs={"autocomplete": "off"}),
            "raised_by_phone": forms.TextInput(attrs={"inputmode": "tel",
                                                      "autocomplete": "off"}),
        }
        help_texts = {"raised_by": "可不填；仅本村、乡镇和县委组织部可见。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["date"].initial = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        villages = villages_for(user, "resident.change")
        self.fields["village_org"].queryset = villages
        if len(villages) == 1:
            self.fields["village_org"].initial = villages[0].pk
            self.fields["village_org"].widget = forms.HiddenInput()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError("收集日期不能晚于今天。")
        return day

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("请填写诉求内容。")
        return content

    def clean_raised_by_phone(self):
        phone = self.cleaned_data["raised_by_phone"].strip()
        problem = phone_problem(phone)
        if problem:
            raise forms.ValidationError(problem)
        return phone


class DayForm(forms.Form):
    date = forms.DateField(label="日期", required=False,
                           widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    village = OrgNameField(label="村", required=False, queryset=Organization.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = villages_for(user, "resident.view")
        if len(villages) > 1:
            self.fields["village"].queryset = villages
        else:
            del self.fields["village"]


class JudgeForm(forms.Form):
    judgement = forms.CharField(label="研判意见", max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3, "placeholder":
                                                             "如：属实，需协调结对单位技术支持"}),
                                error_messages={"required": "请填写研判意见。"})


class ResolveForm(forms.Form):
    note = forms.CharField(label="办结说明", required=False, max_length=300)


class PublishNeedForm(forms.Form):
    """发布为需求: what the need on the board says; the raiser's name and phone never go there."""

    kind = forms.ChoiceField(label="类别", choices=NeedKind.choices, initial=NeedKind.NEED)
    title = forms.CharField(label="标题", max_length=100)
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text="将公开给结对单位和城市人才，请勿填写群众姓名、电话等个人信息。")
    deadline = forms.DateField(label="截止日期",
                               widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    places = forms.IntegerField(label="需要人数", min_value=1, max_value=200, initial=1)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError("截止日期不能早于今天。")
        return deadline
