"""双结对双帮扶 rules: households in villages only, one active pairing per cadre and
household, cadres from the actor's scope, visits not in the future and with content."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pairing.models import AidHousehold, AidPairing, AidVisit
from pairing.services import aid
from tests.factories import PersonFactory

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def household(tree, village_secretary):
    return aid.do_create_household(tree.village_a1, actor=village_secretary, head_name="刘大爷",
                                   members=3, difficulty="illness", phone="13800001111",
                                   address="青山村三组")


@pytest.fixture
def cadre(tree):
    return PersonFactory(name="周干部", home_org=tree.village_a1, is_cadre=True,
                         is_party_member=False)


def test_household_belongs_to_a_village(tree, household, county_admin):
    assert household.village_org == tree.village_a1 and household.is_active
    with pytest.raises(ValidationError, match="只能登记在村党组织下"):
        aid.do_create_household(tree.town_a, actor=county_admin, head_name="某", members=1,
                                difficulty="other")


def test_household_fields_are_checked(tree, village_secretary):
    with pytest.raises(ValidationError, match="电话号码格式不正确"):
        aid.do_create_household(tree.village_a1, actor=village_secretary, head_name="某",
                                members=1, difficulty="other", phone="12")
    with pytest.raises(ValidationError) as caught:
        aid.do_create_household(tree.village_a1, actor=village_secretary, head_name=" ",
                                members=0, difficulty="nonsense")
    assert set(caught.value.error_dict) == {"head_name", "members", "difficulty"}
    assert not AidHousehold.objects.exists()


def test_only_aid_change_in_scope_may_write_households(tree, household, unit_contact, talent,
                                                       leader, other_village_secretary,
                                                       township_admin):
    for actor in (unit_contact, talent, leader, other_village_secretary):
        with pytest.raises(PermissionDenied):
            aid.do_update_household(household, actor=actor, head_name="改")
    updated = aid.do_update_household(household, actor=township_admin, members=4,
                                      is_active=False)
    assert (updated.members, updated.is_active, updated.head_name) == (4, False, "刘大爷")


def test_one_active_pairing_per_cadre_and_household(household, cadre, village_secretary):
    first = aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre,
                                      plan="协助申请医疗救助")
    with pytest.raises(ValidationError, match="周干部已与刘大爷家结对帮扶"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre, plan="再结")
    aid.do_end_aid_pairing(first, actor=village_secretary)
    again = aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre,
                                      plan="继续帮扶")
    assert again.pk != first.pk
    assert AidPairing.objects.filter(is_active=True).count() == 1
    with pytest.raises(ValidationError, match="已结束"):
        aid.do_end_aid_pairing(first, actor=village_secretary)


def test_cadre_must_be_visible_and_a_cadre_or_party_member(tree, household, village_secretary,
                                                           county_admin):
    outside = PersonFactory(home_org=tree.unit, is_cadre=True)
    with pytest.raises(ValidationError, match="管理范围内"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=outside, plan="计划")
    assert aid.do_create_aid_pairing(household, actor=county_admin, cadre=outside, plan="计划")
    neither = PersonFactory(home_org=tree.village_a1, is_cadre=False, is_party_member=False)
    with pytest.raises(ValidationError, match="干部或党员"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=neither, plan="计划")
    member = PersonFactory(home_org=tree.village_a1, is_cadre=False, is_party_member=True)
    assert aid.do_create_aid_pairing(household, actor=village_secretary, cadre=member,
                                     plan="计划").pk


def test_pairing_date_and_plan_are_checked(household, cadre, village_secretary):
    with pytest.raises(ValidationError, match="结对日期不能晚于今天"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre, plan="计划",
                                  since=TOMORROW)
    with pytest.raises(ValidationError, match="请填写帮扶计划"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre, plan="  ")
    aid.do_update_household(household, actor=village_secretary, is_active=False)
    with pytest.raises(ValidationError, match="不在帮扶中"):
        aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre, plan="计划")
    assert not AidPairing.objects.exists()


def test_visits(household, cadre, village_secretary, unit_contact):
    pairing = aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre,
                                        plan="计划", since=datetime.date(2026, 1, 5))
    with pytest.raises(ValidationError, match="走访日期不能晚于今天"):
        aid.do_record_visit(pairing, actor=village_secretary, date=TOMORROW, content="走访")
    with pytest.raises(ValidationError, match="不能早于结对日期"):
        aid.do_record_visit(pairing, actor=village_secretary, date=datetime.date(2025, 12, 1),
                            content="走访")
    with pytest.raises(ValidationError, match="请填写帮扶内容"):
        aid.do_record_visit(pairing, actor=village_secretary, date=datetime.date(2026, 2, 1),
                            content=" ")
    with pytest.raises(PermissionDenied):
        aid.do_record_visit(pairing, actor=unit_contact, date=datetime.date(2026, 2, 1),
                            content="走访")
    visit = aid.do_record_visit(pairing, actor=village_secretary,
                                date=datetime.date(2026, 2, 1), content="送去慰问品")
    assert (visit.recorded_by, visit.content) == (village_secretary, "送去慰问品")
    aid.do_end_aid_pairing(pairing, actor=village_secretary)
    with pytest.raises(ValidationError, match="已结束"):
        aid.do_record_visit(pairing, actor=village_secretary, date=datetime.date(2026, 3, 1),
                            content="走访")
    assert AidVisit.objects.count() == 1


def test_update_plan(household, cadre, village_secretary):
    pairing = aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre,
                                        plan="计划")
    with pytest.raises(ValidationError):
        aid.do_update_aid_plan(pairing, actor=village_secretary, plan="")
    assert aid.do_update_aid_plan(pairing, actor=village_secretary, plan="新计划").plan == "新计划"


def test_aid_writes_audit_rows_and_ending_checks_permission_first(household, cadre,
                                                                  village_secretary, leader):
    from portal.models.audit import AuditAction, AuditEvent

    aid.do_update_household(household, actor=village_secretary, head_name="刘大爷", members=4,
                            difficulty="illness", phone="13800001111", address="三组",
                            is_party_member=False, is_active=True)
    pairing = aid.do_create_aid_pairing(household, actor=village_secretary, cadre=cadre,
                                        plan="每月走访", since=datetime.date(2026, 1, 5))
    aid.do_update_aid_plan(pairing, actor=village_secretary, plan="每周走访")
    aid.do_record_visit(pairing, actor=village_secretary, date=datetime.date(2026, 2, 1),
                        content="送药")
    aid.do_end_aid_pairing(pairing, actor=village_secretary)
    rows = list(AuditEvent.objects.filter(data__household=household.pk).order_by("id")
                .values_list("action", flat=True))
    assert rows == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.CREATE,
                    AuditAction.UPDATE, AuditAction.CREATE, AuditAction.TRANSITION]
    # Ended: a state error for the village, but 403 for a read-only role.
    with pytest.raises(ValidationError) as caught:
        aid.do_end_aid_pairing(pairing, actor=village_secretary)
    assert caught.value.code == "state"
    with pytest.raises(PermissionDenied):
        aid.do_end_aid_pairing(pairing, actor=leader)
