"""Organization and person pickers (portal.widgets, portal:pick_org / pick_person): a search
field instead of a long drop-down, scoped by visible_to, the field's queryset still validating."""

import re

import pytest
from django import forms
from django.core import signing
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import widgets
from portal.forms import PersonForm, RoleAssignForm
from portal.models import Organization, Person
from portal.widgets import OrgPicker, PersonPicker, sign_spec, use_pickers
from tests.factories import add_org, bulk_people

PICK_ORG = reverse("portal:pick_org")
PICK_PERSON = reverse("portal:pick_person")


@pytest.fixture
def low_threshold(monkeypatch):
    """The test county has 8 organizations: pickers from 3 choices on."""
    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)


def picker_url(form, name):
    return form.fields[name].widget.get_context(name, None, {})["widget"]["url"]


def labels(response):
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


# --- the widget swap ----------------------------------------------------------------------

def test_large_org_and_person_choices_become_pickers(tree, people, county_admin, low_threshold):
    class Form(forms.Form):
        org = forms.ModelChoiceField(queryset=Organization.objects.all())
        person = forms.ModelChoiceField(queryset=Person.objects.all(), required=False)
        few = forms.ModelChoiceField(queryset=Organization.objects.filter(kind="county"))
        kind = forms.ChoiceField(choices=[("a", "A")])

    form = use_pickers(Form())
    assert isinstance(form.fields["org"].widget, OrgPicker)
    assert isinstance(form.fields["person"].widget, PersonPicker)
    assert isinstance(form.fields["few"].widget, forms.Select)  # one choice: a select
    assert isinstance(form.fields["kind"].widget, forms.Select)


def test_a_small_choice_list_keeps_its_select(tree, county_admin):
    form = use_pickers(RoleAssignForm(user=county_admin))  # 8 orgs, threshold 30
    assert isinstance(form.fields["org"].widget, forms.Select)


def test_the_picker_shows_the_current_choice_by_name(tree, county_admin, low_threshold):
    form = RoleAssignForm(user=county_admin, initial={"org": tree.village_a1.pk})
    with CaptureQueriesContext(connection) as queries:
        use_pickers(form)
        html = str(form["org"])
    assert len(queries) == 1  # the name comes with the choice count
    assert 'value="青山村"' in html  # the visible box
    assert f'name="org" id="id_org_value" value="{tree.village_a1.pk}"' in html  # the hidden id
    assert 'role="combobox"' in html and 'aria-controls="id_org_listbox"' in html
    assert "<option" not in html


def test_the_spec_follows_the_fields_queryset(tree, county_admin, low_threshold):
    villages = Organization.objects.filter(kind="village")
    count, rows, spec, _ = widgets.describe(villages)
    assert count == 4 and spec["k"] == ["village"] and spec["p"] == tree.county.path
    assert len(rows) == 3  # the threshold's worth and one more
    count, rows, spec, _ = widgets.describe(villages.filter(path__startswith=tree.town_a.path))
    assert count == 2 and spec["p"] == tree.town_a.path and spec["a"] == 1
    count, rows, spec, _ = widgets.describe(Person.objects.filter(is_city_talent=True))
    assert count == 0 and spec == {}


def test_a_queryset_with_its_own_aggregate_is_totalled_over_its_choices(tree, low_threshold):
    """A field's queryset annotated with a count over a join (as the inspection round's owners
    carry their alliances): the totals count the organizations, not the joined rows."""
    bulk_people(**{f"p{n}": {"home_org": tree.village_a1} for n in range(5)})
    villages = (Organization.objects.filter(kind="village").annotate(n_people=Count("people"))
                .order_by("path"))
    assert sum(row.n_people for row in villages) == 5  # more joined rows than villages
    count, rows, spec, _ = widgets.describe(villages)
    assert count == 4 and spec["k"] == ["village"] and len(rows) == 3


def test_the_totals_are_a_subquery_not_window_functions(tree, county_admin, low_threshold):
    """The totals are a subquery of aggregates, not window functions over the LIMITed rows
    (PostgreSQL planned a window over a city's whole scope as a nested loop for the LIMIT)."""
    villages = Organization.objects.filter(kind="village").order_by("path")
    last = villages.last()
    with CaptureQueriesContext(connection) as queries:
        count, rows, spec, name = widgets.describe(villages, selected=last.pk)
    assert len(rows) == 3 and last not in rows
    assert count == 4 and name == last.name  # the choice past the first rows is still named
    assert len(queries) == 1 and " OVER " not in queries[0]["sql"].upper()


def test_one_query_decides_and_a_small_list_is_not_fetched_twice(tree, county_admin):
    form = RoleAssignForm(user=county_admin)
    with CaptureQueriesContext(connection) as queries:
        use_pickers(form)
        html = str(form["org"])
    assert len(queries) == 1
    assert html.count("<option") == 1 + 8  # the blank and the 8 organizations


# --- the endpoint -------------------------------------------------------------------------

def test_pinyin_initials_find_a_village_with_its_township(tree, county_admin, login):
    client = login(county_admin)
    results = client.get(PICK_ORG, {"q": "qsc"}).json()
    assert results["total"] == 1
    assert results["results"] == [{"id": tree.village_a1.pk, "label": "青山村",
                                   "detail": "村　青山镇"}]
    assert labels(client.get(PICK_ORG, {"q": "青山"})) == ["青山镇", "青山村"]
    assert labels(client.get(PICK_ORG, {"q": "V0003"})) == ["白水村"]  # by code
    assert labels(client.get(PICK_ORG, {"q": ""})) == []


def test_suggestions_stay_in_the_users_scope(tree, people, township_admin,
                                             other_village_secretary, login):
    client = login(township_admin)  # 青山镇
    assert labels(client.get(PICK_ORG, {"q": "cun"})) == ["青山村", "石桥村"]
    assert labels(client.get(PICK_ORG, {"q": "bsc"})) == []
    assert labels(client.get(PICK_PERSON, {"q": "zbs"})) == []  # 赵白水, of 白水村
    client = login(other_village_secretary)  # 白水村
    assert labels(client.get(PICK_ORG, {"q": "cun"})) == ["白水村"]
    assert labels(client.get(PICK_PERSON, {"q": "zhao"})) == ["赵白水"]


def test_suggestions_follow_the_fields_spec(tree, people, county_admin, login):
    client = login(county_admin)
    villages_of_a = sign_spec({"k": ["village"], "p": tree.town_a.path})
    assert labels(client.get(PICK_ORG, {"q": "qs", "s": villages_of_a})) == ["青山村"]
    talents = sign_spec({"f": ["is_city_talent"]})
    assert labels(client.get(PICK_PERSON, {"q": "c", "s": talents})) == ["陈农业"]
    assert labels(client.get(PICK_PERSON, {"q": "lqs", "s": talents})) == []


def test_a_tampered_spec_falls_back_to_the_users_scope(tree, township_admin, login):
    client = login(township_admin)
    token = sign_spec({"k": ["village"]})
    forged = signing.dumps({"p": ""}, salt="another")
    assert labels(client.get(PICK_ORG, {"q": "cun", "s": token + "x"})) == ["青山村", "石桥村"]
    assert labels(client.get(PICK_ORG, {"q": "cun", "s": forged})) == ["青山村", "石桥村"]
    assert labels(client.get(PICK_ORG, {"q": "cun", "s": "garbage"})) == ["青山村", "石桥村"]


def test_anonymous_is_sent_to_the_login_page(client, tree):
    assert client.get(PICK_ORG, {"q": "qsc"}).status_code == 302
    assert client.get(PICK_PERSON, {"q": "lqs"}).status_code == 302


def test_the_endpoint_queries_do_not_grow_with_the_orgs(tree, people, county_admin, login):
    client = login(county_admin)

    def count(text):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PICK_ORG, {"q": text}).status_code == 200
            assert client.get(PICK_PERSON, {"q": text}).status_code == 200
        return len(queries)

    small = count("cun")
    for index in range(60):
        village = add_org(tree.town_a, f"新村{index}", "village", code=f"VX{index:03d}")
        bulk_people(**{f"p{index}": {"name": f"陈新{index}", "home_org": village}})
    assert count("cun") == small
    assert len(client.get(PICK_ORG, {"q": "xc"}).json()["results"]) == 10  # a page of hits
    assert client.get(PICK_ORG, {"q": "xc"}).json()["total"] == 60


# --- pickers on the generic form pages ----------------------------------------------------

def test_the_role_assign_page_renders_a_picker(tree, county_admin, login, low_threshold):
    response = login(county_admin).get(reverse("portal:role_assign"))
    html = response.content.decode()
    assert re.search(r'<div class="picker[^"]*" data-picker-url="/pick/orgs/\?s=', html)
    assert '<select name="org"' not in html


def test_an_out_of_scope_id_posted_directly_is_refused(tree, township_admin, login,
                                                       low_threshold):
    client = login(township_admin)  # 青山镇: 白水村 is another township's village
    response = client.post(reverse("portal:person_create"), {
        "name": "越界人", "gender": "M", "id_number": "11010519491231002X",
        "home_org": tree.village_b1.pk, "is_party_member": "on", "is_active": "on"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Person.objects.filter(name="越界人").exists()
    response = client.post(reverse("portal:person_create"), {
        "name": "本镇人", "gender": "M", "id_number": "11010519491231002X",
        "home_org": tree.village_a2.pk, "is_party_member": "on", "is_active": "on"})
    assert response.status_code == 302
    assert Person.objects.get(name="本镇人").home_org == tree.village_a2


def test_a_form_with_a_picker_validates_against_its_queryset(tree, township_admin,
                                                             low_threshold):
    form = use_pickers(PersonForm(data={
        "name": "甲", "gender": "M", "id_number": "11010519491231002X",
        "home_org": str(tree.unit.pk), "is_active": "on"}, user=township_admin))
    assert isinstance(form.fields["home_org"].widget, OrgPicker)
    assert not form.is_valid() and "home_org" in form.errors
