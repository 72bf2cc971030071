"""Shared fixtures of the alliance tests: `alliances_world`, a core alliance of 青山镇 with two
area alliances and members of four kinds of organization (village, unit, enterprise,
association), plus a core alliance of 白水乡 (another township, for the 404s)."""

import datetime
from types import SimpleNamespace

import pytest

from tests.factories import bulk_orgs, bulk_people

FOUNDED = datetime.date(2025, 3, 1)


def alliance_type(code):
    from alliances.models import AllianceType

    return AllianceType.objects.get(code=code)


def build_alliances_world(tree):
    """The world on top of tests/conftest.py's tree, built with the ORM (no services, no
    audit rows): returns a namespace of the orgs, alliances and people it adds."""
    from alliances.models import Alliance, AllianceKind, AllianceType, Membership

    orgs = bulk_orgs([
        ("station", tree.town_a, "青山镇农业综合服务中心", "unit", {}),
        ("enterprise", tree.town_a, "青山茶业有限公司", "enterprise", {}),
        ("association", tree.town_a, "青山镇茶叶协会", "association", {}),
    ])
    people = bulk_people(core_leader={"name": "周联盟", "home_org": tree.town_a,
                                      "position": "党委副书记"},
                         area_leader={"name": "吴片长", "home_org": tree.village_a1})
    red, green, blue = (AllianceType.objects.get(code=c) for c in ("red", "green", "blue"))
    core = Alliance.objects.create(
        name="青山镇全域党建联盟", kind=AllianceKind.CORE, type=red, owner=tree.town_a,
        founded=FOUNDED, goals="全域统筹", leader=people["core_leader"], lead_org=tree.village_a1)
    area_1 = Alliance.objects.create(
        name="青山片区红色引领联盟", kind=AllianceKind.AREA, type=red, owner=tree.town_a,
        parent=core, founded=FOUNDED, leader=people["area_leader"], lead_org=tree.village_a1)
    area_2 = Alliance.objects.create(
        name="石桥片区绿色发展联盟", kind=AllianceKind.AREA, type=green, owner=tree.town_a,
        parent=core, founded=FOUNDED)
    other_core = Alliance.objects.create(
        name="白水乡全域党建联盟", kind=AllianceKind.CORE, type=blue, owner=tree.town_b,
        founded=FOUNDED)
    members = {
        core: [tree.village_a1, tree.village_a2, orgs["station"], orgs["enterprise"],
               orgs["association"]],
        area_1: [tree.village_a1, orgs["enterprise"]],
        area_2: [tree.village_a2, orgs["association"], orgs["station"]],
        other_core: [tree.village_b1, tree.village_b2],
    }
    Membership.objects.bulk_create([
        Membership(alliance=alliance, org=org, joined_on=FOUNDED)
        for alliance, member_orgs in members.items() for org in member_orgs])
    return SimpleNamespace(core=core, area_1=area_1, area_2=area_2, other_core=other_core,
                           red=red, green=green, blue=blue, people=SimpleNamespace(**people),
                           **orgs)


@pytest.fixture
def alliances_world(tree):
    return build_alliances_world(tree)
