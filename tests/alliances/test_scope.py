"""Who sees an alliance: its owner's township and county, and the secretaries and contacts of
its current member organizations (through the scope extender), never others."""

import datetime

import pytest

from alliances.models import Alliance, AllianceType, Membership
from portal.scope import forget_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def alliance(tree):
    alliance = Alliance.objects.create(name="青山镇红色党建联盟", kind="core", owner=tree.town_a,
                                       type=AllianceType.objects.get(code="red"),
                                       founded=datetime.date(2026, 3, 1))
    Membership.objects.create(alliance=alliance, org=tree.village_a1,
                              joined_on=datetime.date(2026, 3, 1))
    return alliance


def visible(user):
    return set(Alliance.objects.visible_to(user, "alliance.view"))


def test_owner_township_county_and_leader_see_it(alliance, township_admin, county_admin,
                                                 leader):
    for user in (township_admin, county_admin, leader):
        assert visible(user) == {alliance}


def test_member_village_sees_it_others_do_not(alliance, tree, village_secretary,
                                              other_village_secretary, unit_contact, talent):
    assert visible(village_secretary) == {alliance}
    assert visible(other_village_secretary) == set()
    assert visible(unit_contact) == set() and visible(talent) == set()


def test_a_unit_that_joins_sees_it_and_loses_it_on_leaving(alliance, tree, unit_contact):
    membership = Membership.objects.create(alliance=alliance, org=tree.unit,
                                           joined_on=datetime.date(2026, 4, 1))
    assert visible(unit_contact) == {alliance}
    membership.left_on = datetime.date(2026, 5, 1)
    membership.save()
    forget_roles(unit_contact)
    assert visible(unit_contact) == set()


def test_membership_does_not_open_other_capabilities(alliance, village_secretary, tree):
    from portal.scope import has_capability

    assert not has_capability(village_secretary, "alliance.manage", tree.town_a)
    assert not has_capability(village_secretary, "ledger.view", tree.town_a)


def test_a_county_task_alliance_is_seen_by_its_members_only(alliance, tree, village_secretary,
                                                            other_village_secretary):
    task = Alliance.objects.create(name="全县乡村振兴任务联盟", kind="task", owner=tree.county,
                                   type=AllianceType.objects.get(code="green"),
                                   founded=datetime.date(2026, 3, 1), purpose="产业振兴")
    Membership.objects.create(alliance=task, org=tree.village_b1,
                              joined_on=datetime.date(2026, 3, 1))
    forget_roles(other_village_secretary)
    # 白水村's secretary sees the task alliance, not every alliance of the county.
    assert visible(other_village_secretary) == {task}
    assert visible(village_secretary) == {alliance}
    from portal.scope import has_capability

    assert not has_capability(other_village_secretary, "venue.book", tree.town_a)


def test_a_member_opens_the_county_task_alliance_page(tree, other_village_secretary, login):
    from django.urls import reverse

    task = Alliance.objects.create(name="全县乡村振兴任务联盟", kind="task", owner=tree.county,
                                   type=AllianceType.objects.get(code="green"),
                                   founded=datetime.date(2026, 3, 1), purpose="产业振兴")
    Membership.objects.create(alliance=task, org=tree.village_b1,
                              joined_on=datetime.date(2026, 3, 1))
    page = login(other_village_secretary).get(reverse("alliances:alliance_detail",
                                                      args=[task.pk]))
    assert page.status_code == 200 and "全县乡村振兴任务联盟" in page.content.decode()
