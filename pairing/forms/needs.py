"""Forms of the needs board: publish/edit a need, filter the board, report and confirm claims."""

import secrets

from django import forms

from pairing.models import Need, NeedKind, NeedStatus
from pairing.services.needs import EDITABLE_NEED_FIELDS
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.uploads import DOCUMENT_FORMATS, MB, safe_name, validate_upload

EVIDENCE_MAX_BYTES = 10 * MB


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _orgs(user, capability, kind):
    return (Organization.objects.visible_to(user, capability).filter(kind=kind)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


NEED_WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 5}),
    "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "places": forms.NumberInput(attrs={"min": 1, "max": 200}),
}


class NeedForm(forms.Form):
    """Publish a need (choosing the village when the user holds several) or edit one.

    A plain form over the model's fields: the rules (deadline, places vs. taken places) are
    the services' to check, so the form does not validate a half-updated instance."""

    village_org = OrgNameField(label="发布村", queryset=Organization.objects.none())

    def __init__(self, *args, user, need=None, **kwargs):
        if need is not None:
            kwargs.setdefault("initial", {n: getattr(need, n) for n in EDITABLE_NEED_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Need, fields=EDITABLE_NEED_FIELDS,
                                                  widgets=NEED_WIDGETS))
        self.fields["places"].help_text = "需要多少人（或单位）认领，1–200。"
        self.fields["title"].widget.attrs["placeholder"] = "如：电商直播培训"
        if need is not None:
            del self.fields["village_org"]
        else:
            villages = _orgs(user, "need.publish", OrgKind.VILLAGE)
            self.fields["village_org"].queryset = villages
            if len(villages) == 1:
                self.fields["village_org"].initial = villages[0].pk

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def need_fields(self):
        """The cleaned fields the services take (the village is passed separately)."""
        return {name: self.cleaned_data[name] for name in EDITABLE_NEED_FIELDS}


OVERDUE_CHOICES = [("", "全部"), ("yes", "已逾期"), ("no", "未逾期")]


class NeedFilterForm(forms.Form):
    """Board filters; which fields appear depends on the board's mode (village, claim,
    overview), and every org choice is narrowed to the user's scope."""

    q = forms.CharField(label="搜索", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"placeholder": "标题或内容"}))
    township = OrgNameField(label="乡镇", required=False, queryset=Organization.objects.none())
    village = OrgNameField(label="村", required=False, queryset=Organization.objects.none())
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"),
                                                                   *NeedKind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"),
                                                                     *NeedStatus.choices])
    overdue = forms.ChoiceField(label="逾期", required=False, choices=OVERDUE_CHOICES)

    MODE_FIELDS = {
        "village": ("q", "kind", "status", "overdue"),
        "claim": ("q", "village", "kind", "overdue"),
        "overview": ("q", "township", "village", "kind", "status", "overdue"),
    }

    def __init__(self, *args, user, mode, capability, **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(self.fields) - set(self.MODE_FIELDS[mode]):
            del self.fields[name]
        if "township" in self.fields:
            self.fields["township"].queryset = _orgs(user, capability, OrgKind.TOWNSHIP)
        if "village" in self.fields:
            self.fields["village"].queryset = _orgs(user, capability, OrgKind.VILLAGE)


class ReportDoneForm(forms.Form):
    result = forms.CharField(label="完成情况", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             error_messages={"required": "请填写完成情况。"})
    evidence = forms.FileField(label="佐证材料", required=False,
                               help_text="可选，PDF、JPEG 或 PNG，不超过 10 MB。")

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        detected = validate_upload(upload, formats=DOCUMENT_FORMATS,
                                   max_bytes=EVIDENCE_MAX_BYTES)
        # The stored name never comes from the user: detected type, random stem.
        upload.name = safe_name(detected, f"evidence-{secrets.token_hex(8)}")
        return upload


RATING_CHOICES = [(str(n), f"{n}分") for n in range(5, 0, -1)]


class ConfirmClaimForm(forms.Form):
    rating = forms.TypedChoiceField(label="评分", choices=RATING_CHOICES, coerce=int,
                                    error_messages={"required": "请选择评分（1到5分）。",
                                                    "invalid_choice": "评分应为1到5分。"})
    comment = forms.CharField(label="评价", max_length=300, required=False,
                              widget=forms.TextInput(attrs={"placeholder": "可选"}))


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             error_messages={"required": "退回时请填写原因。"},
                             widget=forms.TextInput(attrs={"placeholder": "如：缺少活动照片"}))


class WithdrawForm(forms.Form):
    note = forms.CharField(label="撤回说明", max_length=300, required=False)
