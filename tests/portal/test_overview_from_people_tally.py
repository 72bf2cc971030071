"""The home page's 数据概览 sums the people tallies (portal.people_tally) of the organizations
in the user's scope: on the seeded demo county its figures are those the people themselves
gave (党员, 城市人才 and 人员总数, 在册), for every demo role's scope, and stay so after people
move, leave and change flags."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import people_tally
from portal.models import Organization, Person, RoleAssignment
from portal.models.orgs import OrgKind
from portal.navigation import _scope_overview
from portal.scope import forget_roles
from tests.factories import bulk_people, grant

ROLES = ("county_admin", "leader", "township_admin", "village_secretary", "unit_contact",
         "talent", "assessor")
PEOPLE = ("党员", "城市人才", "人员总数")


@pytest.fixture
def demo(small_county, db):
    return small_county


def overview(user):
    figures = dict(_scope_overview(SimpleNamespace(user=user))["figures"])
    return {label: figures[label] for label in PEOPLE}


def counted_from_the_people(user):
    """The figures as the panel counted them before the tally: the people in scope."""
    people = Person.objects.visible_to(user).filter(is_active=True)
    return {"党员": people.filter(is_party_member=True).count(),
            "城市人才": people.filter(is_city_talent=True).count(),
            "人员总数": people.count()}


def users():
    found = {name: get_user_model().objects.get(username=name) for name in ROLES}
    second = Organization.objects.filter(kind=OrgKind.TOWNSHIP).order_by("path")[1]
    found["second_township_admin"] = get_user_model().objects.create(username="乡镇二")
    grant(found["second_township_admin"], second, "township_admin")
    return found


def test_the_figures_are_those_of_the_people_in_every_scope(demo):
    assert people_tally.check() == {}
    figures = {}
    for name, user in users().items():
        figures[name] = overview(user)
        assert figures[name] == counted_from_the_people(user), name
    assert figures["county_admin"]["人员总数"] > figures["township_admin"]["人员总数"] > 0
    assert figures["county_admin"]["党员"] > figures["county_admin"]["城市人才"] > 0


def test_the_figures_follow_moves_departures_and_flags(demo):
    scoped = users()
    township = RoleAssignment.objects.get(user=scoped["township_admin"],
                                          role="township_admin").org
    inside = Person.objects.filter(home_org__path__startswith=township.path, is_active=True)
    outside = Organization.objects.filter(kind=OrgKind.VILLAGE).exclude(
        path__startswith=township.path).first()
    ids = list(inside.order_by("id").values_list("id", flat=True)[:10])
    village = Organization.objects.filter(path__startswith=township.path,
                                          kind=OrgKind.VILLAGE).first()
    added = bulk_people(**{f"n{i}": {"name": f"新{i}", "home_org": village,
                                     "is_city_talent": i % 2 == 0} for i in range(4)})
    Person.objects.filter(pk__in=ids[:4]).update(home_org=outside)  # moved out of the township
    Person.objects.filter(pk__in=ids[4:7]).update(is_active=False)  # left
    Person.objects.filter(pk__in=ids[7:10]).update(is_party_member=False, is_city_talent=True)
    Person.objects.filter(pk__in=[added["n0"].pk, added["n1"].pk]).delete()
    assert people_tally.check() == {}
    for name, user in scoped.items():
        forget_roles(user)
        assert overview(user) == counted_from_the_people(user), name


def test_the_people_figures_are_one_query_of_the_tallies(demo):
    for name in ("county_admin", "township_admin"):
        user = get_user_model().objects.get(username=name)
        overview(user)  # roles read once, kept on the user
        with CaptureQueriesContext(connection) as queries:
            overview(user)
        sql = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in sql if "portal_person" in s], name
        assert len([s for s in sql if "portal_orgpeopletally" in s]) == 1, name
