"""The entries grid (录入): one row per target of one entered indicator and period."""

import secrets

from django import forms

from assessment.models import IndicatorKind, ScoreEntry
from portal.uploads import DOCUMENT_FORMATS, MB, safe_name, validate_upload

EVIDENCE_MAX_BYTES = 10 * MB
YEAR = "year"


def period_choices(scheme):
    """The scheme's quarters and "年度" (the annual indicators)."""
    return [(str(q), f"第{q}季度") for q in scheme.quarters()] + [(YEAR, "年度")]


def parse_period(value, scheme):
    """"1".."4" → that quarter, "year" → None (annual); anything else → the first quarter
    (or the year when the scheme has no quarter). Returns (key, quarter or None)."""
    keys = [key for key, _ in period_choices(scheme)]
    key = value if value in keys else keys[0]
    return key, (None if key == YEAR else int(key))


class EntryForm(forms.Form):
    """One target's points for one indicator: a veto, bonus or deduction needs a reason and
    evidence (the service checks both; the form checks the upload's content)."""

    target = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label="分值", min_value=0, max_digits=8, decimal_places=2,
                                required=False,
                                widget=forms.NumberInput(attrs={"step": "0.5",
                                                                "inputmode": "decimal"}))
    level = forms.ChoiceField(label="级别", required=False,
                              choices=[("", "—"), *ScoreEntry.Level.choices])
    reason = forms.CharField(label="理由", max_length=500, required=False)
    evidence = forms.FileField(label="佐证材料", required=False,
                               help_text="PDF、JPEG 或 PNG，不超过 10 MB。")

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["points"].max_value = indicator.max_points

    def clean_points(self):
        points = self.cleaned_data.get("points")
        if self.indicator.kind == IndicatorKind.VETO:
            return 0
        if points is None:
            raise forms.ValidationError("请填写分值。")
        if points > self.indicator.max_points:
            raise forms.ValidationError(f"分值应在 0 至 {self.indicator.max_points} 之间。")
        return points

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        detected = validate_upload(upload, formats=DOCUMENT_FORMATS,
                                   max_bytes=EVIDENCE_MAX_BYTES)
        # The stored name never comes from the user: detected type, random stem.
        upload.name = safe_name(detected, f"entry-{secrets.token_hex(8)}")
        return upload
