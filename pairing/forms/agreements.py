"""Forms of 三清单一协议: filters, the agreement itself, its three lists, return and scan."""

from django import forms
from django.utils import timezone

from pairing.models import (
    AnnualAgreement,
    NeedItem,
    ProjectItem,
    ResourceItem,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def year_choices():
    this_year = timezone.localdate().year
    return [(y, f"{y}年") for y in range(this_year + 1, 2019, -1)]


class AgreementCreateForm(forms.Form):
    year = forms.TypedChoiceField(label="协议年度", coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year


class AgreementTermsForm(forms.ModelForm):
    class Meta:
        model = AnnualAgreement
        fields = ["terms"]
        widgets = {"terms": forms.Textarea(attrs={"rows": 12})}
        help_texts = {"terms": "协议正文，将印在 PDF 协议书中；三份清单作为附件自动附后。"}

    def clean_terms(self):
        terms = self.cleaned_data["terms"].strip()
        if not terms:
            raise forms.ValidationError("请填写协议条款。")
        return terms


class ResourceItemForm(forms.ModelForm):
    class Meta:
        model = ResourceItem
        fields = ["category", "description", "estimated_amount"]
        help_texts = {"estimated_amount": "选填，单位：元。"}


class NeedItemForm(forms.ModelForm):
    class Meta:
        model = NeedItem
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"title": "协议备案后，需求清单将自动发布到本村的需求看板。"}


class ProjectItemForm(forms.ModelForm):
    """A project may only point at needs and resources of its own agreement."""

    class Meta:
        model = ProjectItem
        fields = ["name", "needs", "resources", "budget", "start_date", "end_date",
                  "milestones", "progress", "status"]
        widgets = {
            "needs": forms.CheckboxSelectMultiple,
            "resources": forms.CheckboxSelectMultiple,
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "milestones": forms.Textarea(
                attrs={"rows": 3, "placeholder": "如：3月完成设计；6月开工；10月验收"}),
        }
        help_texts = {"needs": "", "resources": ""}

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = NeedItem.objects.filter(agreement=agreement)
        self.fields["resources"].queryset = ResourceItem.objects.filter(agreement=agreement)
        self.fields["progress"].widget.attrs.update(min=0, max=100)
        for name, label in (("needs", "需求清单"), ("resources", "资源清单")):
            if not self.fields[name].queryset.exists():
                self.fields[name].help_text = f"{label}暂无条目，可先添加后再关联。"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


ITEM_FORMS = {"resource": ResourceItemForm, "need": NeedItemForm, "project": ProjectItemForm}


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "退回时请填写原因。"})


class ScanUploadForm(forms.Form):
    scan = forms.FileField(label="签字盖章扫描件",
                           help_text="仅限 PDF、JPEG、PNG 格式，不超过 10 MB。",
                           error_messages={"required": "请选择要上传的文件。"},
                           widget=forms.ClearableFileInput(
                               attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
