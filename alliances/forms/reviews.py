"""Forms of the year-end review (年底述职相互评): open the year's review, a member's 述职, the
phone score sheet (one 0–100 number per other member, a comment optional) and the closing
opinion. The services re-check every rule."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from alliances.services.reviews import COMMENT_MAX, CONTENT_MAX, SUMMARY_MAX, YEAR_MIN
from portal.models import Person

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*"}


class OpenReviewForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)


class ReporterField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}{'（' + obj.position + '）' if obj.position else ''}"


class ReportForm(forms.Form):
    """述职: the reporter among the member's cadres and office holders (a short list)."""

    reporter = ReporterField(label="述职人", queryset=Person.objects.none(), required=False,
                             empty_label="（未指定）")
    content = forms.CharField(label="述职内容", max_length=CONTENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 10, "placeholder":
                                                           "本年度参与联盟工作的情况、成效、问题和明年打算"}),
                              error_messages={"required": "请填写述职内容。"})

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.initial.get("reporter")
        self.fields["reporter"].queryset = (
            Person.objects.filter(home_org__path__startswith=member.path)
            .filter(Q(is_active=True, is_cadre=True) | Q(is_active=True, position__gt="")
                    | Q(pk=getattr(chosen, "pk", chosen) or 0))
            .order_by("name", "id"))


class PeerScoreForm(forms.Form):
    """相互评分表: fields s<id> (score) and c<id> (comment) per member scored."""

    def __init__(self, *args, ratees, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.ratees = list(ratees)
        for org in self.ratees:
            score, comment = existing.get(org.pk, (None, ""))
            self.fields[f"s{org.pk}"] = forms.IntegerField(
                label=org.name, min_value=0, max_value=100, initial=score,
                widget=forms.NumberInput(attrs=NUMBER),
                error_messages={"required": f"请为“{org.name}”评分。",
                                "invalid": "得分应为 0 到 100 的整数。",
                                "min_value": "得分应为 0 到 100 的整数。",
                                "max_value": "得分应为 0 到 100 的整数。"})
            self.fields[f"c{org.pk}"] = forms.CharField(
                label="评语", required=False, max_length=COMMENT_MAX, initial=comment,
                widget=forms.TextInput(attrs={"placeholder": "评语（选填）"}))

    def rows(self):
        return [(org, self[f"s{org.pk}"], self[f"c{org.pk}"]) for org in self.ratees]

    def scores(self):
        return {org.pk: self.cleaned_data[f"s{org.pk}"] for org in self.ratees}

    def comments(self):
        return {org.pk: self.cleaned_data.get(f"c{org.pk}", "") for org in self.ratees}


class CloseReviewForm(forms.Form):
    summary = forms.CharField(label="考评意见", max_length=SUMMARY_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
