"""Forms of 结果运用: the year chosen, a nomination, a reason."""

import datetime

from django import forms

from assessment.models import NominationKind


def year_choices():
    this_year = datetime.date.today().year
    return [(y, f"{y}年") for y in range(this_year, this_year - 6, -1)]


class ResultsYearForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, choices=year_choices)

    def __init__(self, data=None, *, user=None, **kwargs):
        super().__init__(data, **kwargs)


class NominationForm(forms.Form):
    kind = forms.ChoiceField(label="推荐类别")
    reason = forms.CharField(label="推荐理由（主要事迹）", widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=2000)
    poor_override = forms.CharField(
        label="“差”等次例外理由", required=False, max_length=300,
        help_text="被推荐对象本年度考核为“差”时必填：原则上不得作为评先评优对象（004 六.4）。")

    def __init__(self, data=None, *, for_org=False, **kwargs):
        super().__init__(data, **kwargs)
        kinds = ([NominationKind.ADVANCED_ORG] if for_org
                 else [NominationKind.OUTSTANDING, NominationKind.EXCELLENT_MEMBER])
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300)


class DecisionForm(forms.Form):
    decision = forms.CharField(label="审核意见", max_length=300)
