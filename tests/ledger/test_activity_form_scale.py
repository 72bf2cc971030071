"""The activity form (登记活动) of a unit paired with many villages: the pairings, claimed needs
and no-JS participant list it offers are read by their own indexes (no subquery of
organizations OR-ed into the condition, no join that hashes every organization), the same
choices in the same order as before, and the selects render as Django's would."""

import datetime
import re

import pytest
from django import forms
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.forms.activities import ActivityForm, QuickSelect
from pairing.models import Claim, Need, Pairing, PairingStatus
from portal.models import Organization, Person
from tests.factories import PersonFactory, add_org


def need(village, title, claim_by=None, status="claimed"):
    row = Need.objects.create(village_org=village, title=title, description="-",
                              deadline=datetime.date(2026, 12, 31), places=2)
    if claim_by is not None:
        Claim.objects.create(need=row, claimant=claim_by, status=status)
    return row


@pytest.fixture
def paired_unit(tree, people, unit_contact):
    """The unit paired with three villages (one pairing ended), claimed and unclaimed needs
    in them, and a talent in each paired village."""
    extra = add_org(tree.town_b, "新村", "village", code="V0009")
    for village in (tree.village_a1, tree.village_b1, extra):
        Pairing.objects.create(city_org=tree.unit, village_org=village,
                               since=datetime.date(2026, 1, 1))
        PersonFactory(home_org=village, name=f"{village.name}人才", is_city_talent=True)
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a2,
                           since=datetime.date(2024, 1, 1), until=datetime.date(2024, 12, 31),
                           status=PairingStatus.ENDED)
    need(tree.village_a1, "修路", unit_contact)
    need(tree.village_b1, "助学", unit_contact, status="done")
    need(extra, "义诊")  # nobody claimed it
    need(tree.village_a2, "旧结对村的需求", unit_contact)  # the pairing has ended
    need(extra, "撤回的认领", unit_contact, status="withdrawn")
    return extra


def old_pairings(org_ids):
    """The pairings as the form read them before (a subquery OR-ed into the condition)."""
    orgs = Organization.objects.filter(pk__in=org_ids)
    return list(Pairing.objects.filter(status=PairingStatus.ACTIVE)
                .filter(Q(village_org__in=orgs) | Q(city_org__in=orgs)))


def labels(html):
    return re.findall(r"<option[^>]*>(.*?)</option>", html)


def test_same_pairings_and_needs_as_before_in_the_same_order(tree, paired_unit, unit_contact):
    form = ActivityForm(user=unit_contact)
    pairings = [label for label in labels(str(form["pairing"])) if label != "---------"]
    expected = sorted(old_pairings([tree.unit.pk]),
                      key=lambda p: (p.village_org.path, p.city_org.path))
    assert pairings == [f"{p.city_org.name} ↔ {p.village_org.name}" for p in expected]
    assert pairings == ["县农业农村局 ↔ 青山村", "县农业农村局 ↔ 白水村", "县农业农村局 ↔ 新村"]
    needs = [label for label in labels(str(form["need"])) if label != "---------"]
    assert needs == ["白水村：助学", "青山村：修路"]  # newest first; claimed or done only
    # The querysets that validate a POST hold the same rows.
    assert set(form.fields["pairing"].queryset) == set(expected)
    assert {n.title for n in form.fields["need"].queryset} == {"修路", "助学"}


def test_choices_are_read_by_index_only_when_rendered(tree, paired_unit, unit_contact):
    with CaptureQueriesContext(connection) as built:
        form = ActivityForm(user=unit_contact)
    assert not [q for q in built.captured_queries if "pairing_" in q["sql"]]
    with CaptureQueriesContext(connection) as rendered:
        str(form["pairing"]), str(form["need"])
        str(form["pairing"]), str(form["need"])  # read once
    sqls = [q["sql"] for q in rendered.captured_queries]
    assert len(sqls) == 3, sqls  # pairings, needs, the names of the paired villages
    for sql in sqls:
        # Lists of ids, not a subquery of organizations OR-ed in; no join to them.
        assert "JOIN" not in sql and "SELECT U0" not in sql.split(" WHERE ", 1)[-1], sql


def test_no_blank_choice_without_an_empty_label(tree, paired_unit, unit_contact):
    form = ActivityForm(user=unit_contact)
    form.fields["need"].empty_label = None
    assert labels(str(form["need"])) == ["白水村：助学", "青山村：修路"]


def test_a_villages_need_choices_follow_its_unit(tree, paired_unit, village_secretary,
                                                 unit_contact):
    form = ActivityForm(user=village_secretary)
    assert labels(str(form["pairing"]))[1:] == ["县农业农村局 ↔ 青山村"]
    assert labels(str(form["need"]))[1:] == ["青山村：修路"]


def test_quick_select_renders_as_djangos_select(tree, paired_unit, unit_contact):
    form = ActivityForm(user=unit_contact)
    chosen = form.fields["pairing"].queryset.order_by("pk").first()
    for value in (None, chosen.pk, str(chosen.pk)):
        attrs = {"id": "id_pairing", "class": "form-select", "required": False}
        ours = QuickSelect(choices=form.fields["pairing"].widget.choices)
        django = forms.Select(choices=form.fields["pairing"].widget.choices)
        assert (ours.render("pairing", value, attrs)
                == re.sub(r">\s+<", "><", django.render("pairing", value, attrs)))
    escaped = QuickSelect(choices=[("1", "<b>&"), ("2", "乙")]).render("x", "2", {"id": "a<"})
    assert escaped == ('<select name="x" id="a&lt;"><option value="1">&lt;b&gt;&amp;</option>'
                       '<option value="2" selected>乙</option></select>')


def test_fallback_people_in_order_with_the_organizations_read_by_key(tree, paired_unit,
                                                                     unit_contact):
    form = ActivityForm(user=unit_contact)
    with CaptureQueriesContext(connection) as captured:
        offered = form.fallback_choices()
    people = captured.captured_queries[-1]["sql"]
    # The organizations joined with their ids on their side: PostgreSQL reads those by key
    # instead of hashing all of them.
    join = people.split(" JOIN ", 1)[1].split(" WHERE ")[0]
    assert '"id" IN (' in join, people
    eligible = Person.objects.filter(is_active=True, home_org__in=[
        tree.unit, tree.village_a1, tree.village_b1, paired_unit]).select_related("home_org")
    expected = sorted(eligible, key=lambda p: (not p.is_city_talent, p.home_org.path, p.name))
    assert offered == [(p.pk, f"{p.name}（{p.home_org.name}）") for p in expected]
    assert "王石桥" not in str(offered)  # the ended pairing's village


def test_form_page_renders_for_the_unit(login, tree, paired_unit, unit_contact):
    response = login(unit_contact).get(reverse("ledger:activity_create"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="" selected>---------</option>' in page
    assert "县农业农村局 ↔ 新村" in page and "青山村：修路" in page and "新村：义诊" not in page
