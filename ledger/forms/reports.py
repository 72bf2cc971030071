"""Forms of the monthly dispatch and the township half-year report."""

import datetime

from django import forms
from django.utils import timezone

from ledger.forms.requests import OrgNameField
from ledger.models import TownshipReport
from portal.models import Organization

FIRST_YEAR = 2020


def half_year_choices():
    """The years a half-year report may be for, newest first."""
    return [(y, f"{y}年") for y in range(timezone.localdate().year, FIRST_YEAR - 1, -1)]


class MonthField(forms.CharField):
    """A month as YYYY-MM (the `<input type="month">` format) → (year, month)."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            day = datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError("月份格式应为 2026-03。") from exc
        if not 2000 <= day.year <= datetime.MAXYEAR - 1:
            raise forms.ValidationError("月份超出范围，请选择 2000 年以后的月份。")
        return day.year, day.month


class DispatchForm(forms.Form):
    """Month and township of the 每月调度 table; '' township = all townships in one table."""

    month = MonthField(label="月份", required=False)
    township = OrgNameField(label="乡镇", required=False, queryset=Organization.objects.none(),
                            empty_label="全部乡镇")

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships

    def clean_month(self):
        chosen = self.cleaned_data["month"]
        today = timezone.localdate()
        if chosen and (chosen > (today.year, today.month) or chosen[0] < FIRST_YEAR):
            raise forms.ValidationError("只能查看已开始的月份。")
        return chosen


class ReportTextForm(forms.ModelForm):
    """The township's text; drafts may be saved incomplete, submitting needs all three."""

    class Meta:
        model = TownshipReport
        fields = ("summary", "problems", "next_steps")
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 10}),
            "problems": forms.Textarea(attrs={"rows": 6}),
            "next_steps": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"summary": "统计数据由系统根据台账自动汇总，此处填写文字说明。"}


class ReturnReportForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             error_messages={"required": "退回时请填写原因。"})
