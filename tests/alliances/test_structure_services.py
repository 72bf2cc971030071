"""The alliance structure's rules (003 三.(一)): one core per township, area under its core,
task alliances' purpose and minimum, members joining and leaving with history, closing,
and the formation warnings — permission checked before state, refusals carry a code."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alliances.models import Alliance, AllianceKind, Membership
from alliances.services import structure as services
from portal.models import AuditEvent
from tests.alliances.conftest import FOUNDED, alliance_type
from tests.factories import add_org

DAY = datetime.date(2025, 6, 1)


def codes(exc_info):
    error = exc_info.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def create(actor, owner, **fields):
    defaults = {"name": "新联盟", "kind": AllianceKind.CORE, "type": alliance_type("red"),
                "founded": FOUNDED}
    return services.do_create_alliance(actor=actor, owner=owner, **{**defaults, **fields})


def test_township_admin_founds_a_core_alliance_with_members_and_an_audit_row(
        tree, township_admin):
    alliance = create(township_admin, tree.town_a, members=[tree.village_a1, tree.village_a2])
    assert alliance.kind == "core" and alliance.parent is None
    assert set(alliance.memberships.current().values_list("org", flat=True)) == {
        tree.village_a1.pk, tree.village_a2.pk}
    assert alliance.memberships.first().joined_on == FOUNDED
    assert AuditEvent.objects.filter(data__alliance=alliance.pk).count() == 2


def test_one_open_core_alliance_per_township(alliances_world, tree, county_admin):
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.town_a, name="第二个核心联盟")
    assert codes(exc) == {"core_exists"}
    assert create(county_admin, tree.town_a,
                  kind=AllianceKind.AREA, parent=alliances_world.core).kind == "area"


def test_a_core_alliance_has_no_parent(alliances_world, tree, county_admin):
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.town_b, parent=alliances_world.other_core)
    assert codes(exc) == {"parent"}


@pytest.mark.parametrize("parent", [None, "other_core", "area_1"])
def test_an_area_alliance_sits_under_the_core_of_its_own_township(alliances_world, tree,
                                                                  county_admin, parent):
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.town_a, kind=AllianceKind.AREA,
               parent=getattr(alliances_world, parent) if parent else None)
    assert codes(exc) == {"parent"}


def test_only_townships_and_the_county_own_alliances(tree, county_admin):
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.village_a1)
    assert codes(exc) == {"owner"}


def test_permission_comes_before_state(alliances_world, tree, leader, township_admin):
    with pytest.raises(PermissionDenied):
        create(leader, tree.town_a)  # also a second core: still 403 first
    with pytest.raises(PermissionDenied):
        create(township_admin, tree.town_b)
    with pytest.raises(PermissionDenied):
        services.do_add_members(alliances_world.other_core, actor=township_admin,
                                orgs=[tree.village_b1], joined_on=DAY)


def test_a_task_alliance_needs_a_purpose_and_the_minimum_of_members(tree, county_admin,
                                                                     settings):
    settings.ALLIANCE_TASK_MIN_MEMBERS = 3
    task = {"kind": AllianceKind.TASK, "type": alliance_type("green")}
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.county, **task)
    assert codes(exc) == {"purpose"}
    with pytest.raises(ValidationError) as exc:
        create(county_admin, tree.county, purpose="茶产业链", members=[tree.village_a1,
                                                                 tree.village_b1], **task)
    assert codes(exc) == {"too_few"}
    assert not Alliance.objects.filter(kind="task").exists()
    # Across townships and levels, and no span warning: "不限地域".
    alliance = create(county_admin, tree.county, purpose="茶产业链",
                      members=[tree.village_a1, tree.village_b1, tree.unit], **task)
    assert alliance.memberships.count() == 3
    assert services.formation_warnings(alliance) == []


def test_a_task_alliance_with_no_members_yet_takes_at_least_the_minimum_at_once(
        tree, county_admin, settings):
    settings.ALLIANCE_TASK_MIN_MEMBERS = 3
    alliance = create(county_admin, tree.county, kind=AllianceKind.TASK, purpose="防汛")
    with pytest.raises(ValidationError) as exc:
        services.do_add_members(alliance, actor=county_admin, orgs=[tree.village_a1],
                                joined_on=DAY)
    assert codes(exc) == {"too_few"}
    services.do_add_members(alliance, actor=county_admin, joined_on=DAY,
                            orgs=[tree.village_a1, tree.village_a2, tree.village_b1])
    membership = alliance.memberships.get(org=tree.village_a1)
    with pytest.raises(ValidationError) as exc:
        services.do_remove_member(membership, actor=county_admin, left_on=DAY, reason="退出")
    assert codes(exc) == {"too_few"}


def test_core_and_area_members_come_from_the_owners_subtree(alliances_world, tree,
                                                           county_admin):
    with pytest.raises(ValidationError) as exc:
        services.do_add_members(alliances_world.core, actor=county_admin,
                                orgs=[tree.village_b1, tree.unit], joined_on=DAY)
    assert codes(exc) == {"member_scope"}
    assert "2 个组织" in exc.value.message_dict["orgs"][0]


def test_bulk_join_refuses_current_members_and_dates_before_founding(alliances_world, tree,
                                                                      township_admin):
    world = alliances_world
    with pytest.raises(ValidationError) as exc:
        services.do_add_members(world.area_1, actor=township_admin, joined_on=DAY,
                                orgs=[tree.village_a1, world.association])
    assert codes(exc) == {"already_member"}
    with pytest.raises(ValidationError) as exc:
        services.do_add_members(world.area_1, actor=township_admin, orgs=[world.association],
                                joined_on=FOUNDED - datetime.timedelta(days=1))
    assert codes(exc) == {"date"}
    rows = services.do_add_members(world.area_1, actor=township_admin, joined_on=DAY,
                                   orgs=[world.association, world.station])
    assert len(rows) == 2 and world.area_1.memberships.current().count() == 4


def test_leaving_keeps_the_history_and_rejoining_opens_a_new_row(alliances_world, tree,
                                                                 township_admin):
    world = alliances_world
    membership = world.area_1.memberships.get(org=world.enterprise)
    with pytest.raises(ValidationError) as exc:
        services.do_remove_member(membership, actor=township_admin, left_on=DAY, reason=" ")
    assert codes(exc) == {"reason"}
    with pytest.raises(ValidationError) as exc:
        services.do_remove_member(membership, actor=township_admin, reason="调整",
                                  left_on=FOUNDED - datetime.timedelta(days=1))
    assert codes(exc) == {"date"}
    services.do_remove_member(membership, actor=township_admin, left_on=DAY, reason="调整片区")
    with pytest.raises(ValidationError) as exc:
        services.do_remove_member(membership, actor=township_admin, left_on=DAY, reason="再退")
    assert codes(exc) == {"state"}
    later = DAY + datetime.timedelta(days=30)
    services.do_add_members(world.area_1, actor=township_admin, orgs=[world.enterprise],
                            joined_on=later)
    rows = list(Membership.objects.filter(alliance=world.area_1, org=world.enterprise)
                .order_by("joined_on").values_list("joined_on", "left_on", "left_reason"))
    assert rows == [(FOUNDED, DAY, "调整片区"), (later, None, "")]


def test_closing_a_task_alliance(tree, county_admin, township_admin, settings):
    settings.ALLIANCE_TASK_MIN_MEMBERS = 2
    alliance = create(township_admin, tree.town_a, kind=AllianceKind.TASK, purpose="清河",
                      members=[tree.village_a1, tree.village_a2])
    with pytest.raises(ValidationError) as exc:
        services.do_close_alliance(alliance, actor=township_admin, closed_at=DAY, note="")
    assert codes(exc) == {"note"}
    services.do_close_alliance(alliance, actor=township_admin, closed_at=DAY, note="河道已清")
    alliance.refresh_from_db()
    assert alliance.closed_at == DAY and alliance.close_note == "河道已清"
    assert alliance.memberships.current().count() == 2  # the roster at closing stays
    for call in (lambda: services.do_close_alliance(alliance, actor=county_admin,
                                                    closed_at=DAY, note="再次"),
                 lambda: services.do_add_members(alliance, actor=county_admin, joined_on=DAY,
                                                 orgs=[tree.village_b1]),
                 lambda: services.do_update_alliance(alliance, actor=county_admin, name="x")):
        with pytest.raises(ValidationError) as exc:
            call()
        assert codes(exc) == {"closed"}


def test_only_task_alliances_close(alliances_world, county_admin):
    with pytest.raises(ValidationError) as exc:
        services.do_close_alliance(alliances_world.core, actor=county_admin, closed_at=DAY,
                                   note="不用了")
    assert codes(exc) == {"kind"}


def test_edit_keeps_the_rules(alliances_world, tree, township_admin):
    world = alliances_world
    edited = services.do_update_alliance(world.area_2, actor=township_admin, name="石桥片区",
                                         leader=world.people.core_leader,
                                         lead_org=world.association)
    assert (edited.name, edited.leader, edited.lead_org) == (
        "石桥片区", world.people.core_leader, world.association)
    with pytest.raises(ValidationError) as exc:
        services.do_update_alliance(world.area_2, actor=township_admin, parent=None)
    assert codes(exc) == {"parent"}
    with pytest.raises(ValidationError) as exc:
        services.do_update_alliance(world.area_2, actor=township_admin,
                                    founded=FOUNDED + datetime.timedelta(days=1))
    assert codes(exc) == {"date"}


def test_warnings_for_members_across_townships_and_a_big_alliance(alliances_world, tree,
                                                                  settings):
    world = alliances_world
    assert services.formation_warnings(world.core) == []
    Membership.objects.create(alliance=world.core, org=tree.village_b1, joined_on=DAY)
    settings.ALLIANCE_MAX_MEMBERS = 5
    warnings = dict(services.formation_warnings(world.core))
    assert set(warnings) == {"span", "size"}
    assert "青山镇" in warnings["span"] and "白水乡" in warnings["span"]
    assert "6 个" in warnings["size"]


def test_warnings_for_many_alliances_take_two_queries(alliances_world, tree,
                                                      django_assert_num_queries):
    world = alliances_world
    many = [add_org(tree.town_a, f"新村{i}", "village") for i in range(3)]
    Membership.objects.bulk_create([Membership(alliance=world.core, org=o, joined_on=DAY)
                                    for o in many])
    alliances = [world.core, world.area_1, world.area_2, world.other_core]
    with django_assert_num_queries(2):
        warnings = services.formation_warnings_for(alliances)
    assert set(warnings) == {a.pk for a in alliances}
