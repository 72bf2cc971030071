"""Organization and person pickers (组织/人员选择): a search field instead of a long drop-down.

A county has ~625 organizations and thousands of people; a `<select>` of all of them costs most
of a page's time and is useless on a phone. `use_pickers(form)` swaps the widget of every
ModelChoiceField over Organization or Person that offers more than `PICKER_THRESHOLD` choices
for a `Picker`: a text box (an ARIA combobox, static/js/picker.js) that asks
`portal:pick_org` / `portal:pick_person` for matches as the user types Chinese, pinyin or
initials, and a hidden input that carries the chosen id. Small choice lists keep their select.

The field keeps its queryset: the submitted id is validated against it, so an id outside the
field's choices (another county's village, typed into the request) is refused as before. The
endpoint narrows its suggestions to the user's scope (`visible_to`) and to what the field
offers, as told by a signed spec `use_pickers` derives from the field's queryset with a
scalar subquery of aggregates in the query that also fetches a small list's choices (so a
page costs the same query whichever way the field renders): the organization kinds present,
the deepest common subtree, the person flags every choice has. A suggestion outside an
unusual queryset (one org excluded, say) is still refused by the field with its usual message.
"""

from django import forms
from django.core import signing
from django.db.models import Case, CharField, Count, F, Max, Min, Q, Subquery, Value, When
from django.db.models.functions import JSONObject
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from portal.models import Organization, Person
from portal.models.orgs import OrgKind

PICKER_THRESHOLD = 30  # up to this many choices, a plain select is quicker to use
SPEC_SALT = "portal.picker"
PERSON_FLAGS = ("is_party_member", "is_city_talent", "is_cadre", "is_active")


class Picker(forms.Widget):
    """A search box with a suggestion list and a hidden input holding the chosen id."""

    template_name = "includes/picker.html"
    url_name = ""
    placeholder = ""

    def __init__(self, *, spec="", queryset=None, known=None, attrs=None):
        super().__init__(attrs)
        self.spec = spec
        self.queryset = queryset
        self.known = known or {}  # {str(pk): name} already fetched

    def label_for(self, value):
        """The chosen row's name, shown in the box ("" when the value is not a choice)."""
        if value in (None, "") or self.queryset is None:
            return ""
        if str(value) in self.known:
            return self.known[str(value)]
        try:
            row = self.queryset.filter(pk=value).values_list("name", flat=True).first()
        except (TypeError, ValueError):
            return ""
        return row or ""

    def format_value(self, value):
        return "" if value is None else str(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget_attrs = dict(widget["attrs"])
        widget_attrs.setdefault("placeholder", self.placeholder)
        if "form-control" not in widget_attrs.get("class", ""):
            widget_attrs["class"] = f"{widget_attrs.get('class', '')} form-control".strip()
        widget_attrs.pop("required", None)  # the hidden input carries the value
        widget.update(
            attrs=widget_attrs,
            attrs_html=flatatt(widget_attrs),
            label=self.label_for(widget["value"]),
            url=f"{reverse(self.url_name)}?s={self.spec}",
            listbox_id=f"{widget_attrs.get('id') or name}_listbox",
            value_id=f"{widget_attrs.get('id') or name}_value",
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's templates, whatever the form renderer (Django's default one only
        # looks in django/forms and the apps).
        return mark_safe(render_to_string(template_name, context))

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class OrgPicker(Picker):
    url_name = "portal:pick_org"
    placeholder = "输入名称、拼音或首字母"


class PersonPicker(Picker):
    url_name = "portal:pick_person"
    placeholder = "输入姓名、拼音或首字母"


def _common_subtree(low, high, steplen):
    """The deepest path prefix (whole tree steps) shared by `low` and `high`."""
    if not low or not high:
        return ""
    length = 0
    for a, b in zip(low, high, strict=False):
        if a != b:
            break
        length += 1
    return low[:length - length % steplen]


def _org_totals():
    kinds = [value for value, _ in OrgKind.choices]
    return {"total": Count("pk"), "low": Min("path"), "high": Max("path"),
            "active": Count("pk", filter=Q(is_active=True)),
            **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in kinds}}


def _org_spec(totals):
    kinds = [value for value, _ in OrgKind.choices]
    spec = {"k": [kind for kind in kinds if totals[f"kind_{kind}"]],
            "p": _common_subtree(totals["low"], totals["high"], Organization.steplen)}
    if totals["total"] and totals["active"] == totals["total"]:
        spec["a"] = 1
    return spec


def _person_totals():
    return {"total": Count("pk"), "low": Min("home_org__path"), "high": Max("home_org__path"),
            **{flag: Count("pk", filter=Q(**{flag: True})) for flag in PERSON_FLAGS}}


def _person_spec(totals):
    return {"f": [flag for flag in PERSON_FLAGS
                  if totals["total"] and totals[flag] == totals["total"]],
            "p": _common_subtree(totals["low"], totals["high"], Organization.steplen)}


def _totals_of(queryset, totals):
    """`totals` (aggregates) over every row of `queryset` as one JSON value, a scalar subquery:
    no GROUP BY (a constant is not grouped on), so one row whatever the queryset holds. A
    queryset grouped for an aggregate of its own (an owner's count of alliances) is totalled
    over its choices by id: its joined rows would be counted instead."""
    if queryset.query.group_by is not None:
        queryset = queryset.model._base_manager.filter(pk__in=queryset.order_by().values("pk"))
    return Subquery(queryset.order_by().annotate(_all=Value(1)).values("_all")
                    .annotate(_totals=JSONObject(**totals)).values("_totals"))


def describe(queryset, selected=None):
    """(choice count, first rows, spec, selected name) of an organization or person queryset
    in one query: the spec names what the choices have in common (organization kinds, the
    deepest common subtree, all active; person flags, their subtree); the selected name is the
    name of the choice whose pk is `selected` (None when it is not a choice).

    The first PICKER_THRESHOLD + 1 rows come with a LIMIT and carry the totals over every
    choice as an uncorrelated scalar subquery, which the database computes once and plans on
    its own. Window aggregates over the same rows made PostgreSQL plan the whole scope for the
    LIMIT (a nested loop over a city's 5,811 organizations, 7-9 ms per picker)."""
    make_totals, make_spec = PICKERS[queryset.model][1:]
    totals = make_totals()
    if selected is not None:
        totals["selected"] = Max(Case(When(pk=selected, then=F("name")),
                                      output_field=CharField()))
    rows = list(queryset.annotate(picker_totals=_totals_of(queryset, totals))
                [:PICKER_THRESHOLD + 1])
    if not rows:
        return 0, rows, {}, None
    values = rows[0].picker_totals
    return values["total"], rows, make_spec(values), values.get("selected")


def sign_spec(spec):
    return signing.dumps(spec, salt=SPEC_SALT, compress=True)


def read_spec(token):
    """The spec a picker was rendered with; {} (the user's whole scope) when it is missing
    or was tampered with."""
    try:
        spec = signing.loads(token or "", salt=SPEC_SALT)
    except signing.BadSignature:
        return {}
    return spec if isinstance(spec, dict) else {}


PICKERS = {Organization: (OrgPicker, _org_totals, _org_spec),
           Person: (PersonPicker, _person_totals, _person_spec)}


def _selected_pk(value):
    value = getattr(value, "pk", value)
    return int(value) if str(value or "").isdigit() else None


def picker_for(field, value=None):
    """A Picker for a ModelChoiceField over organizations or people with more than
    PICKER_THRESHOLD choices; None otherwise. Either way one query: a small list's rows are
    kept as the select's choices, so the select does not fetch them again."""
    if not isinstance(field, forms.ModelChoiceField) or isinstance(
            field, forms.ModelMultipleChoiceField) or field.queryset is None:
        return None
    if field.queryset.model not in PICKERS or isinstance(field.widget, Picker | forms.HiddenInput):
        return None
    selected = _selected_pk(value)
    count, rows, spec, selected_name = describe(field.queryset, selected)
    if count <= PICKER_THRESHOLD:
        iterator = field.iterator(field)
        blank = [("", field.empty_label)] if field.empty_label is not None else []
        field.widget.choices = blank + [iterator.choice(row) for row in rows]
        return None
    widget_class = PICKERS[field.queryset.model][0]
    known = {str(selected): selected_name} if selected_name is not None else {}
    return widget_class(spec=sign_spec(spec), queryset=field.queryset, known=known,
                        attrs={**field.widget.attrs})


def use_pickers(form):
    """Swap the widget of every large organization or person choice field of `form` for a
    picker (in place; returns the form). The fields' querysets still validate. Call it last
    before rendering (after blank labels are set): a small list's choices are fixed here."""
    if form is None:
        return form
    for name, field in form.fields.items():
        widget = picker_for(field, form[name].value())
        if widget is not None:
            widget.is_required = field.required
            field.widget = widget
    return form
