"""FastSelect writes exactly the HTML of Django's Select templates (the matrices' filters)."""

import pytest
from django import forms

from ledger.forms.compliance import FastSelect, TalentMatrixForm
from portal.widgets import PICKER_THRESHOLD, Picker
from tests.factories import PersonFactory, bulk_orgs

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
    form.prepare_widgets()
    for name in ("area", "period", "unit"):
        field = form.fields[name]
        fast = str(form[name])
        field.widget = forms.Select(attrs=field.widget.attrs, choices=field.widget.choices)
        assert fast == str(form[name])
    assert "aria-invalid" in str(form["unit"]) and str(form["unit"]).count("<option") > 1


def test_talent_unit_filter_is_a_search_field_past_a_few_dozen_units(tree, county_admin):
    """The units grow with the county (89 KB of options at city scale): past
    PICKER_THRESHOLD the filter is a picker, and a chosen unit still filters."""
    units = bulk_orgs([(i, tree.county, f"单位{i}", "unit", {})
                       for i in range(PICKER_THRESHOLD + 1)])
    for unit in units.values():
        PersonFactory(home_org=unit, is_city_talent=True)
    chosen = units[0]
    form = TalentMatrixForm({"unit": str(chosen.pk)}, user=county_admin)
    assert form.unit_value == chosen  # read without rendering: no picker query yet
    form.prepare_widgets()
    assert isinstance(form.fields["unit"].widget, Picker)
    assert "<option" not in str(form["unit"])
    assert form.unit_value == chosen
