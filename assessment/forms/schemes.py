"""Forms of the schemes (考核方案) and their scoring tables (考核明细表).

Every choice is narrowed to what the user may pick: an assessing body on which they hold
assessment.scheme, a metric that fits the scheme's kind of target."""

import json

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assessment.metrics import metric_choices
from assessment.models import Action, Indicator, IndicatorKind, Scheme, TargetKind
from portal.models import Organization, RoleAssignment
from portal.scope import ASSESSOR

DATE_WIDGET = {"type": "date"}
FIRST_YEAR = 2024


def year_choices():
    this = timezone.localdate().year
    return [(y, f"{y}年") for y in range(this + 1, FIRST_YEAR - 1, -1)]


def assessing_bodies(user, capability="assessment.scheme"):
    """Organizations that assess: the body of an action, or one whose staff hold the assessor
    role — a handful per county, so a select, not a search field."""
    assessor = RoleAssignment.objects.filter(org=OuterRef("pk"), role=ASSESSOR,
                                             revoked_at__isnull=True)
    action = Action.objects.filter(assessing_body=OuterRef("pk"))
    return (Organization.objects.visible_to(user, capability)
            .filter(Q(Exists(assessor)) | Q(Exists(action)), is_active=True)
            .only("id", "name", "path", "depth", "kind").order_by("path"))


class BodyField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SchemeCreateForm(forms.Form):
    """A new scheme from the default scoring table of its kind of target."""

    year = forms.TypedChoiceField(label="年度", coerce=int, choices=year_choices)
    assessing_body = BodyField(label="考核单位", queryset=Organization.objects.none(),
                               error_messages={"required": "请选择考核单位。",
                                               "invalid_choice": "请选择列出的考核单位。"})
    target_kind = forms.ChoiceField(label="考核对象", choices=TargetKind.choices)
    action = forms.ModelChoiceField(label="行动", queryset=Action.objects.none(),
                                    required=False,
                                    help_text="考核个人时必选：参加该行动的党员干部为考核对象。")
    start_date = forms.DateField(label="考核开始日期", required=False,
                                 widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
                                 help_text="不填为当年1月1日。")
    end_date = forms.DateField(label="考核结束日期", required=False,
                               widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
                               help_text="不填为当年12月31日。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["assessing_body"].queryset = assessing_bodies(user)
        self.fields["action"].queryset = Action.objects.filter(is_active=True).order_by(
            "order", "id")

    def clean(self):
        data = super().clean()
        kind, action, body = data.get("target_kind"), data.get("action"), \
            data.get("assessing_body")
        if kind == TargetKind.PERSON and action is None:
            self.add_error("action", "考核个人的方案须选择行动。")
        elif kind and kind != TargetKind.PERSON:
            data["action"] = None
        if action is not None and body is not None and action.assessing_body_id != body.pk:
            self.add_error("action", f"“{action.name}”的考核单位是{action.assessing_body}。")
        year, start, end = data.get("year"), data.get("start_date"), data.get("end_date")
        for name, day in (("start_date", start), ("end_date", end)):
            if year and day and day.year != year:
                self.add_error(name, "考核期应在所选年度之内。")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class TieBreakField(forms.CharField):
    """Indicator codes separated by commas or spaces → a list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        if isinstance(value, str) and value.startswith("["):
            try:
                return ", ".join(json.loads(value))
            except ValueError:
                return value
        return value

    def to_python(self, value):
        value = super().to_python(value) or ""
        return [code for code in value.replace("，", ",").replace(",", " ").split() if code]


class SchemeEditForm(forms.ModelForm):
    """The scheme's own fields, while it is unlocked."""

    tie_break = TieBreakField(label="同分比较指标", required=False, max_length=300,
                              help_text="总分相同时依次比较的指标编码，用逗号分隔。")

    class Meta:
        model = Scheme
        fields = ("name", "start_date", "end_date", "part_year_rule", "poor_min_ratio",
                  "excellent_max_ratio", "excellent_min_score", "tie_break", "appeal_days")
        widgets = {
            "start_date": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        }
        help_texts = {
            "excellent_max_ratio": "本县规定，如 0.20 即不超过总人数的20%。"
                                   "比例上限和最低分至少填一项，否则不能评定等次。",
            "excellent_min_score": "本县规定，可不填。",
        }

    def clean_tie_break(self):
        codes = self.cleaned_data["tie_break"]
        known = set(self.instance.indicators.values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(f"本方案没有这些指标编码：{'、'.join(unknown)}")
        return codes

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        year = self.instance.year
        for name, day in (("start_date", start), ("end_date", end)):
            if day and day.year != year:
                self.add_error(name, f"考核期应在{year}年之内。")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class RuleField(forms.CharField):
    """The points rule as JSON text (计分规则)."""

    widget = forms.Textarea(attrs={"rows": 2, "class": "font-monospace"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False) if value else ""
        return value

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return {}
        try:
            rule = json.loads(value)
        except ValueError as exc:
            raise forms.ValidationError("计分规则应为 JSON，如 {\"type\": \"per_unit\", "
                                        "\"points\": 10}。") from exc
        if not isinstance(rule, dict):
            raise forms.ValidationError("计分规则应为 JSON 对象。")
        return rule


RULE_HELP = ("自动计分指标填写，例如：按次 {\"type\": \"per_unit\", \"points\": 10}；"
             "分档 {\"type\": \"thresholds\", \"steps\": [[3, 20], [1, 10]]}；"
             "按排名 {\"type\": \"rank\", \"first\": 60, \"step\": 3}；"
             "{\"type\": \"proportional\"}；{\"type\": \"vs_average\"}。")


class IndicatorForm(forms.ModelForm):
    """A row of the scoring table; the metric list fits the scheme's kind of target."""

    metric = forms.ChoiceField(label="数据来源指标", required=False)
    rule = RuleField(label="计分规则", required=False, max_length=1000, help_text=RULE_HELP)

    class Meta:
        model = Indicator
        fields = ("code", "name", "description", "kind", "period", "metric", "rule",
                  "max_points", "order")

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["metric"].choices = [("", "（非自动计分）"),
                                         *metric_choices(scheme.target_kind)]
        if self.instance.pk is None:
            self.fields["order"].initial = scheme.indicators.count() + 1

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = self.scheme.indicators.filter(code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("本方案已有该编码的指标。")
        return code

    def clean(self):
        data = super().clean()
        if data.get("kind") != IndicatorKind.AUTO:
            data["rule"] = {}
        return data
