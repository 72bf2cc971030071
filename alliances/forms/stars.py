"""Forms of dynamic stars (动态评星): the board's selectors, setting a quarter's stars, and the
reason given when designating or revoking a demonstration site (示范点). The services re-check
every rule; these give the phone its input types."""

from django import forms

from alliances.services.stars import REASON_MAX, YEAR_MAX, YEAR_MIN

QUARTER_CHOICES = [(q, f"第{q}季度") for q in (1, 2, 3, 4)]
STAR_CHOICES = [(s, f"{s}星 {'★' * s}") for s in (5, 4, 3, 2, 1)]
NUMBER = {"inputmode": "numeric"}


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class StarBoardForm(forms.Form):
    """The board's selectors (GET); a bad value is shown and the default used instead."""

    township = OwnerChoiceField(label="乡镇", queryset=None, required=False, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX,
                              required=False, widget=forms.NumberInput(attrs=NUMBER))
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTER_CHOICES, coerce=int,
                                     required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = owners


class StarSetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX,
                              widget=forms.NumberInput(attrs=NUMBER))
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTER_CHOICES, coerce=int)
    stars = forms.TypedChoiceField(label="星级", choices=STAR_CHOICES, coerce=int)
    reason = forms.CharField(label="评定理由", max_length=REASON_MAX,
                             error_messages={"required": "请填写评定理由。"},
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder":
                                                          "如：未纳入考核方案，依据季度晾晒情况评定"}))


class DemonstrationReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=REASON_MAX,
                             error_messages={"required": "请填写理由。"})
