"""Filters of the compliance matrices: the area (county or township), the period and, per
matrix, the org kind or the talents' home unit and a name search.

Bad input never fails the page: each field falls back to its default (`choice`)."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ledger.compliance import (
    LAST_12,
    MATRIX_KINDS,
    compliance_areas,
    period_choices,
    period_for,
    talent_units,
)
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.widgets import picker_for

_SELECT = {"class": "form-select form-select-sm"}


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html in Python."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else
        f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False)


class FastSelect(forms.Select):
    """Django's Select with the same context and the same HTML as its templates (select.html,
    select_option.html, attrs.html), written in Python: the talents' unit filter has ~200
    options, and ~15 template nodes each cost 19 ms of the page's CPU."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{conditional_escape(widget["name"])}"'
                f'{_attrs_html(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            html.extend(f'\n  <option value="{conditional_escape(option["value"])}"'
                        f'{_attrs_html(option["attrs"])}>{conditional_escape(option["label"])}'
                        '</option>\n' for option in options)
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 — every value above is escaped


def _area_label(org):
    return org.name if org.kind == OrgKind.COUNTY else f"　{org.name}"


class ComplianceFilterForm(forms.Form):
    """Area and period; `area` and `period` are always usable, whatever was submitted."""

    # The user's areas are read once (`areas`); the choices are made from them rather than
    # from a queryset the widget would read again.
    area = forms.ChoiceField(label="范围", required=False, widget=FastSelect(attrs=_SELECT))
    period = forms.ChoiceField(label="期间", required=False, widget=FastSelect(attrs=_SELECT))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.areas = list(compliance_areas(user))
        self.fields["area"].choices = [(area.pk, _area_label(area)) for area in self.areas]
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = LAST_12
        self.selected_area = self._chosen_area()
        if self.selected_area is not None:
            self.fields["area"].initial = self.selected_area.pk

    def _chosen_area(self):
        raw = (self.data or {}).get("area")
        for area in self.areas:
            if str(area.pk) == str(raw):
                return area
        return self.areas[0] if self.areas else None

    def choice(self, name, default=None):
        """The cleaned value of `name`, or `default` when it is missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()  # cleaned_data keeps every field that was valid
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def selected_period(self):
        return period_for(self.choice("period", LAST_12))

    def export_params(self):
        return {"area": self.selected_area.pk, "period": self.selected_period.key}

    def prepare_widgets(self):
        """Before the filters are rendered (not needed to read the chosen values)."""


class OrgMatrixForm(ComplianceFilterForm):
    kind = forms.ChoiceField(label="组织类别", required=False,
                             choices=[(k.value, k.label) for k in MATRIX_KINDS],
                             widget=FastSelect(attrs=_SELECT))

    @property
    def kind_value(self):
        return self.choice("kind", OrgKind.VILLAGE)

    def export_params(self):
        return {**super().export_params(), "kind": self.kind_value}


class TalentMatrixForm(ComplianceFilterForm):
    unit = forms.ModelChoiceField(label="所在单位", queryset=None, required=False,
                                  empty_label="全部单位", widget=FastSelect(attrs=_SELECT))
    q = forms.CharField(label="姓名或电话", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                      "placeholder": "姓名或电话"}))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        if self.selected_area is not None:
            self.fields["unit"].queryset = talent_units(self.selected_area)
        else:
            self.fields["unit"].queryset = Organization.objects.none()

    def prepare_widgets(self):
        # A county-wide choice of units grows with the county (~1,800 units, 89 KB of options
        # at city scale): past a few dozen units the field is a search box. Its query is
        # made only when the filters are rendered, which a cached page does not do.
        picker = picker_for(self.fields["unit"], self["unit"].value())
        if picker is not None:
            self.fields["unit"].widget = picker

    @property
    def unit_value(self):
        return self.choice("unit")

    @property
    def search(self):
        return self.choice("q", "")

    def export_params(self):
        unit = self.unit_value
        return {**super().export_params(), "unit": unit.pk if unit else None,
                "q": self.search}


class UnitMatrixForm(ComplianceFilterForm):
    pass
