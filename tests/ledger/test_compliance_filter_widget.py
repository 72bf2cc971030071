"""FastSelect writes exactly the HTML of Django's Select templates (the matrices' filters)."""

import pytest
from django import forms

from ledger.forms.compliance import FastSelect, TalentMatrixForm

CHOICES = [("", "全部单位"), (1, "城东<社区>"), ("2", 'A&"B"'),
           ("组", [(3, "三"), (4, "四")]), (5, "五")]


@pytest.mark.parametrize("value", [None, "", 1, "2", 4, "x"])
@pytest.mark.parametrize("attrs", [{"class": "form-select form-select-sm"},
                                   {"class": "c", "disabled": True, "hidden": False,
                                    "data-x": 'q"<'}])
def test_fast_select_matches_djangos_select(value, attrs):
    fast = FastSelect(attrs=attrs, choices=CHOICES)
    plain = forms.Select(attrs=attrs, choices=CHOICES)
    extra = {"id": "id_unit", "aria-invalid": "true"}
    assert fast.render("unit", value, extra) == plain.render("unit", value, extra)


def test_talent_filter_renders_as_djangos_select(tree, people, county_admin):
    form = TalentMatrixForm({"unit": "nonsense", "period": "2025"}, user=county_admin)
    for name in ("area", "period", "unit"):
        field = form.fields[name]
        fast = str(form[name])
        field.widget = forms.Select(attrs=field.widget.attrs, choices=field.widget.choices)
        assert fast == str(form[name])
    assert "aria-invalid" in str(form["unit"]) and str(form["unit"]).count("<option") > 1
