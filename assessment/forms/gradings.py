"""Forms of quarterly scoring and annual grading: the quarter to score, a grade change, the
reason a grading is returned."""

from django import forms

from assessment.grading import GRADE_LABELS, Grade


class QuarterForm(forms.Form):
    quarter = forms.TypedChoiceField(label="季度", coerce=int, choices=[],
                                     error_messages={"required": "请选择季度。",
                                                     "invalid_choice": "该季度不在考核期内。"})

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q, f"第{q}季度") for q in scheme.quarters()]


class ChangeGradeForm(forms.Form):
    grade = forms.ChoiceField(label="等次", choices=[(g.value, GRADE_LABELS[g]) for g in Grade],
                              error_messages={"required": "请选择等次。",
                                              "invalid_choice": "等次应为优秀、良好或差。"})
    reason = forms.CharField(label="调整理由", max_length=300,
                             error_messages={"required": "调整等次须填写理由。"})


class ReturnGradingForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             error_messages={"required": "请填写退回原因。"})
