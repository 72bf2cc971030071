"""Forms of the 擂台赛: a new round (criteria one per line, judges by account name — a search,
not a drop-down of every user) and the judge's phone score sheet (one number per criterion).
The service re-checks every rule."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from alliances.models import Alliance
from alliances.services.competitions import CAPABILITY, OWNER_KINDS
from portal.models import Organization

CRITERION_LINE = re.compile(r"^(?P<name>.+?)[\s:：,，]+(?P<weight>\d+(?:\.\d+)?)\s*[%％]?$")
DEFAULT_CRITERIA = "组织建设 30\n项目推进 40\n群众评价 30"
MAX_JUDGES = 30


class AllianceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.owner.name}）"


class CompetitionForm(forms.Form):
    owner = forms.ModelChoiceField(label="主办单位", queryset=Organization.objects.none(),
                                   empty_label=None)
    title = forms.CharField(label="名称", max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "如：2026年上半年党建联盟擂台赛"}))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    half = forms.TypedChoiceField(label="半年", coerce=int,
                                  choices=[(1, "上半年"), (2, "下半年")])
    held_on = forms.DateField(label="举办日期", widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    criteria = forms.CharField(
        label="评分项及权重", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text="每行一项：名称 权重（%），权重合计 100。如“项目推进 40”。")
    alliances = AllianceChoiceField(label="参赛联盟", queryset=Alliance.objects.none(),
                                    required=False, widget=forms.CheckboxSelectMultiple,
                                    help_text="不勾选则主办单位的全部在册联盟参赛。")
    judges = forms.CharField(label="评委账号", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="填写评委的登录账号，用空格、逗号或换行分隔。")

    def __init__(self, *args, user, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": today.year, "half": 1 if today.month <= 6 else 2,
                                      "held_on": today, "criteria": DEFAULT_CRITERIA})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (Organization.objects.visible_to(user, CAPABILITY)
                                         .filter(kind__in=OWNER_KINDS).order_by("path"))
        self.fields["alliances"].queryset = (Alliance.objects.open()
                                             .visible_to(user, CAPABILITY)
                                             .select_related("owner")
                                             .order_by("owner__path", "name"))

    def clean_criteria(self):
        rows, errors = [], []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = CRITERION_LINE.match(line)
            if not match:
                errors.append(f"第{number}行“{line[:20]}”应为“名称 权重”")
                continue
            try:
                rows.append((match["name"].strip(), Decimal(match["weight"])))
            except InvalidOperation:
                errors.append(f"第{number}行的权重不是数字")
        if errors:
            raise forms.ValidationError("；".join(errors) + "。")
        if not rows:
            raise forms.ValidationError("请至少设置一个评分项。")
        return rows

    def clean_judges(self):
        usernames = list(dict.fromkeys(re.split(r"[\s,，、;；]+",
                                                self.cleaned_data["judges"].strip())))
        usernames = [name for name in usernames if name]
        if not usernames:
            raise forms.ValidationError("请至少指定一名评委。")
        if len(usernames) > MAX_JUDGES:
            raise forms.ValidationError(f"评委不能超过{MAX_JUDGES}名。")
        users = {user.username: user for user in get_user_model().objects.filter(
            username__in=usernames, is_active=True)}
        unknown = [name for name in usernames if name not in users]
        if unknown:
            raise forms.ValidationError(f"找不到账号：{'、'.join(unknown)}。")
        return [users[name] for name in usernames]


class ScoreSheetForm(forms.Form):
    """One number input per criterion, named c<criterion id>, decimal keypad on phones."""

    def __init__(self, *args, criteria, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name}（权重 {criterion.weight.normalize():f}%）",
                min_value=0, max_value=100, max_digits=4, decimal_places=1,
                initial=initial_scores.get(criterion.pk),
                error_messages={"required": f"请为“{criterion.name}”打分。"},
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "100",
                                                "inputmode": "decimal"}))

    def scores(self):
        return {criterion.pk: self.cleaned_data[f"c{criterion.pk}"]
                for criterion in self.criteria}
