"""Forms of 季度晾晒: the quarter picker of an alliance's page and the board's township and
quarter picker (GET). A bad value is shown on the form and the default used instead."""

from django import forms

from alliances.forms.stars import NUMBER, QUARTER_CHOICES, OwnerChoiceField
from alliances.services.stars import YEAR_MAX, YEAR_MIN


class QuarterForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX,
                              required=False, widget=forms.NumberInput(attrs=NUMBER))
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTER_CHOICES, coerce=int,
                                     required=False)


class ShowcaseBoardForm(QuarterForm):
    township = OwnerChoiceField(label="乡镇", queryset=None, required=False, empty_label=None)

    field_order = ["township", "year", "quarter"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = owners
