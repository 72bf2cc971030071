"""People per organization (portal.people_tally): the triggers keep the tally equal to a
recount through every kind of write, and the org page and tree read it instead of the people."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import people_tally
from portal.models import OrgPeopleTally, Person
from tests.factories import bulk_people


def kept(org):
    row = OrgPeopleTally.objects.filter(org=org).first()
    return (row.people, row.active) if row else (0, 0)


def test_every_write_moves_the_tally(tree):
    people = bulk_people(a={"name": "甲", "home_org": tree.village_a1},
                         b={"name": "乙", "home_org": tree.village_a1},
                         c={"name": "丙", "home_org": tree.village_b1})
    assert kept(tree.village_a1) == (2, 2) and kept(tree.village_b1) == (1, 1)
    person = people["a"]
    person.home_org = tree.village_b1
    person.save()  # a move
    assert kept(tree.village_a1) == (1, 1) and kept(tree.village_b1) == (2, 2)
    Person.objects.filter(pk=people["b"].pk).update(is_active=False)  # leaves
    assert kept(tree.village_a1) == (1, 0)
    Person.objects.filter(pk=people["b"].pk).update(name="乙二")  # no count changes
    assert kept(tree.village_a1) == (1, 0)
    Person.objects.filter(home_org=tree.village_b1).update(home_org=tree.unit)  # bulk move
    assert kept(tree.village_b1) == (0, 0) and kept(tree.unit) == (2, 2)
    Person.objects.filter(pk=people["c"].pk).delete()
    assert kept(tree.unit) == (1, 1)
    assert people_tally.check() == {}


def figures(org):
    row = OrgPeopleTally.objects.filter(org=org).first()
    return (row.people, row.active, row.members, row.talents) if row else (0, 0, 0, 0)


def test_the_members_and_talents_count_only_people_on_the_roll(tree):
    people = bulk_people(
        a={"name": "甲", "home_org": tree.village_a1, "is_city_talent": True},
        b={"name": "乙", "home_org": tree.village_a1, "is_party_member": False},
        c={"name": "丙", "home_org": tree.village_a1, "is_city_talent": True,
           "is_active": False})
    assert figures(tree.village_a1) == (3, 2, 1, 1)  # people, 在册, 党员 and 人才 在册
    Person.objects.filter(pk=people["b"].pk).update(is_party_member=True)  # joins the party
    assert figures(tree.village_a1) == (3, 2, 2, 1)
    Person.objects.filter(pk=people["c"].pk).update(is_active=True)  # returns, a member
    assert figures(tree.village_a1) == (3, 3, 3, 2)
    Person.objects.filter(pk=people["a"].pk).update(is_city_talent=False, is_party_member=False)
    assert figures(tree.village_a1) == (3, 3, 2, 1)
    Person.objects.filter(pk__in=[people["b"].pk, people["c"].pk]).update(
        home_org=tree.village_b1, is_active=False)  # one statement: moved and left
    assert figures(tree.village_a1) == (1, 1, 0, 0)
    assert figures(tree.village_b1) == (2, 0, 0, 0)
    Person.objects.filter(pk=people["c"].pk).update(is_active=True, home_org=tree.village_a1)
    assert figures(tree.village_a1) == (2, 2, 1, 1) and figures(tree.village_b1) == (1, 0, 0, 0)
    Person.objects.filter(pk=people["c"].pk).delete()
    assert figures(tree.village_a1) == (1, 1, 0, 0)
    assert people_tally.check() == {}


def test_rebuild_recounts_a_load_made_without_the_triggers(tree, people):
    OrgPeopleTally.objects.all().delete()
    assert people_tally.check()
    assert people_tally.rebuild() == Person.objects.values("home_org").distinct().count()
    assert people_tally.check() == {}


def test_the_org_page_and_tree_count_from_the_tally(client, tree, county_admin):
    bulk_people(a={"name": "甲", "home_org": tree.village_a1},
                b={"name": "乙", "home_org": tree.village_a2, "is_active": False},
                c={"name": "丙", "home_org": tree.town_b},
                d={"name": "丁", "home_org": tree.unit})
    client.force_login(county_admin)
    with CaptureQueriesContext(connection) as queries:
        county = client.get(reverse("portal:org_detail", args=[tree.county.pk]))
    assert county.context["people_count"] == 4  # 在册 or not, as the person list filter
    town = client.get(reverse("portal:org_detail", args=[tree.town_a.pk]))
    assert town.context["people_count"] == 2
    tree_page = client.get(reverse("portal:org_tree_node", args=[tree.county.pk]))
    people = {row["org"].pk: row["people"] for row in tree_page.context["rows"]}
    assert people == {tree.town_a.pk: 1, tree.town_b.pk: 1, tree.unit.pk: 1}  # active only
    counted = [q["sql"] for q in queries.captured_queries
               if 'COUNT(*)' in q["sql"] and 'FROM "portal_person"' in q["sql"]]
    assert not counted, counted



def test_the_command_checks_and_rebuilds(tree, people):
    out = StringIO()
    call_command("people_tally", "--check", stdout=out)
    assert "一致" in out.getvalue()
    OrgPeopleTally.objects.filter(org=tree.village_a1).update(people=9)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("people_tally", "--check", stdout=out)
    assert f"组织 {tree.village_a1.pk}: (9, 1, 1, 0) ≠ (1, 1, 1, 0)" in out.getvalue()
    call_command("people_tally", "--rebuild", stdout=StringIO())
    assert people_tally.check() == {}
