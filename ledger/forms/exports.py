"""The ledger export form: an organization in the user's scope, a month or a year, a format."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ledger.exporters import (
    EXCEL,
    EXPORT_CAPABILITY,
    FORMATS,
    PDF,
    PDF_MAX_ACTIVITIES,
    LedgerPeriod,
    ledger_data,
    pdf_too_large,
)
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.roles import primary_role

# The county and townships supervise; the ledgers are kept by villages, units and the like.
SUPERVISING_KINDS = (OrgKind.COUNTY, OrgKind.TOWNSHIP)
FIRST_YEAR = 2020


def exportable_orgs(user):
    """Organizations whose ledger the user may export."""
    return (Organization.objects.visible_to(user, EXPORT_CAPABILITY)
            .filter(is_active=True).exclude(kind__in=SUPERVISING_KINDS).order_by("path"))


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class LedgerExportForm(forms.Form):
    org = OrgChoiceField(label="组织", queryset=Organization.objects.none(),
                         empty_label="请选择组织")
    year = forms.TypedChoiceField(label="年度", coerce=int)
    month = forms.TypedChoiceField(label="月份", coerce=int, required=False, empty_value=None,
                                   help_text="选择“全年”导出该年度全部活动。")
    format = forms.ChoiceField(label="格式", choices=FORMATS, initial=EXCEL,
                               widget=forms.RadioSelect)
    include_drafts = forms.BooleanField(
        label="包含草稿和已退回的条目", required=False,
        help_text="默认只导出已提交和已确认的活动。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = exportable_orgs(user)
        self.fields["org"].queryset = orgs
        today = timezone.localdate()
        self.fields["year"].choices = [(y, f"{y}年") for y in range(today.year, FIRST_YEAR - 1,
                                                                    -1)]
        self.fields["month"].choices = [("", "全年")] + [(m, f"{m}月") for m in range(1, 13)]
        self.initial.setdefault("year", today.year)
        self.initial.setdefault("month", today.month)
        if "org" not in self.initial:
            role = primary_role(user)
            if role and orgs.filter(pk=role["org_id"]).exists():
                self.initial["org"] = role["org_id"]

    def clean(self):
        data = super().clean()
        year, month = data.get("year"), data.get("month")
        today = timezone.localdate()
        if year and month and (year, month) > (today.year, today.month):
            raise ValidationError({"month": "不能导出尚未到来的月份。"})
        if data.get("format") == PDF and data.get("org") and year:
            count = ledger_data(self.user, data["org"], LedgerPeriod(year, month),
                                data.get("include_drafts")).summary.activities
            if count > PDF_MAX_ACTIVITIES:
                raise ValidationError({"format": pdf_too_large(count)})
        return data

    def period(self) -> LedgerPeriod:
        return LedgerPeriod(self.cleaned_data["year"], self.cleaned_data["month"])
