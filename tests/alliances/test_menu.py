"""The service menu (三向互动): proposing, one vote per person kept in vote_count, a member unit
committing (部门结对送), scheduling that plans a draft ledger activity through the hook
(党建联盟定), done and withdraw; the pages' scope and flat query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances import hooks
from alliances.models import ServiceMenuItem, ServiceVote
from alliances.models.menu import MenuChannel, MenuStatus
from alliances.services import menu as services
from ledger.models import Activity, ActivityStatus, ActivityTheme
from portal.models import AuditEvent
from tests.factories import bulk_users_with_roles

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


@pytest.fixture
def world(alliances_world):
    return alliances_world


@pytest.fixture
def station_contact(world):
    """The contact of 青山镇农业综合服务中心, a member unit of the core alliance."""
    return bulk_users_with_roles({"station_contact": (world.station, "unit_contact")})[
        "station_contact"]


@pytest.fixture
def item(world, village_secretary):
    return services.propose_item(world.core, actor=village_secretary, title="义诊进村",
                                 description="县医院专家进村义诊")


def later(days=7):
    return timezone.localdate() + datetime.timedelta(days=days)


# Proposing ---------------------------------------------------------------------------------

def test_a_member_proposes_for_its_organization(world, village_secretary, tree):
    item = services.propose_item(world.core, actor=village_secretary, title=" 义诊进村 ")
    assert (item.title, item.proposed_by_org, item.channel, item.status) == (
        "义诊进村", tree.village_a1, MenuChannel.CHOSEN, MenuStatus.OPEN)
    assert AuditEvent.objects.filter(data__menu_item=item.pk, action="create").exists()


def test_someone_outside_the_alliance_cannot_propose(world, other_village_secretary, talent):
    for user in (other_village_secretary, talent):
        with pytest.raises(PermissionDenied):
            services.propose_item(world.core, actor=user, title="义诊进村")
    assert not ServiceMenuItem.objects.exists()


def test_a_member_cannot_decide_for_the_alliance(world, village_secretary):
    with pytest.raises(ValidationError) as exc:
        services.propose_item(world.core, actor=village_secretary, title="义诊",
                              channel=MenuChannel.DECIDED)
    assert "channel" in exc.value.error_dict


def test_staff_propose_for_the_alliance(world, township_admin):
    item = services.propose_item(world.core, actor=township_admin, title="七一联学",
                                 channel=MenuChannel.DECIDED)
    assert item.proposed_by_org is None and item.channel == MenuChannel.DECIDED


def test_a_unit_offering_a_service_becomes_its_provider(world, station_contact):
    item = services.propose_item(world.core, actor=station_contact, title="农技培训",
                                 channel=MenuChannel.DELIVERED)
    assert (item.provider, item.status) == (world.station, MenuStatus.COMMITTED)


def test_a_village_cannot_offer_a_unit_delivery(world, village_secretary):
    with pytest.raises(ValidationError):
        services.propose_item(world.core, actor=village_secretary, title="农技",
                              channel=MenuChannel.DELIVERED)


def test_a_title_is_required_and_a_closed_alliance_takes_no_items(world, village_secretary):
    with pytest.raises(ValidationError) as exc:
        services.propose_item(world.core, actor=village_secretary, title="  ")
    assert "title" in exc.value.error_dict
    type(world.core).objects.filter(pk=world.core.pk).update(closed_at=timezone.localdate())
    world.core.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.propose_item(world.core, actor=village_secretary, title="义诊")
    assert exc.value.code == "closed"


# Voting ------------------------------------------------------------------------------------

def test_one_vote_per_person_counted_in_the_item(item, village_secretary, station_contact):
    assert services.vote(item, actor=village_secretary).vote_count == 1
    assert services.vote(item, actor=station_contact).vote_count == 2
    with pytest.raises(ValidationError) as exc:
        services.vote(item, actor=village_secretary)
    assert exc.value.code == "voted"
    item.refresh_from_db()
    assert item.vote_count == 2 == ServiceVote.objects.filter(item=item).count()


def test_unvote_takes_the_vote_back(item, village_secretary):
    services.vote(item, actor=village_secretary)
    assert services.unvote(item, actor=village_secretary).vote_count == 0
    assert not ServiceVote.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.unvote(item, actor=village_secretary)
    assert exc.value.code == "not_voted"


def test_only_members_vote(item, township_admin, other_village_secretary, county_admin):
    for user in (township_admin, other_village_secretary, county_admin):
        with pytest.raises(PermissionDenied):
            services.vote(item, actor=user)
    item.refresh_from_db()
    assert item.vote_count == 0


def test_no_vote_once_scheduled(item, village_secretary, township_admin, world):
    services.schedule_item(item, actor=township_admin, planned_date=later(),
                           org=world.station, theme="monthly_charity")
    with pytest.raises(ValidationError) as exc:
        services.vote(item, actor=village_secretary)
    assert exc.value.code == "state"


# Committing (部门结对送) ---------------------------------------------------------------------

def test_a_member_unit_commits(item, station_contact, world):
    committed = services.commit_item(item, actor=station_contact)
    assert (committed.provider, committed.status) == (world.station, MenuStatus.COMMITTED)
    with pytest.raises(ValidationError) as exc:
        services.commit_item(item, actor=station_contact)
    assert exc.value.code == "state"


def test_a_village_or_a_non_member_unit_cannot_commit(item, village_secretary, unit_contact):
    for user in (village_secretary, unit_contact):
        with pytest.raises(PermissionDenied):
            services.commit_item(item, actor=user)


# Scheduling (党建联盟定) ---------------------------------------------------------------------

def test_scheduling_plans_a_draft_activity_in_the_hosts_ledger(item, township_admin, world):
    day = later(10)
    scheduled = services.schedule_item(item, actor=township_admin, planned_date=day,
                                       org=world.station, theme="mentoring")
    assert (scheduled.status, scheduled.planned_date, scheduled.provider) == (
        MenuStatus.SCHEDULED, day, world.station)
    activity = Activity.objects.get(menu_item=item)
    assert (activity.org, activity.date, activity.alliance, activity.status,
            activity.theme.code, activity.title) == (
        world.station, day, world.core, ActivityStatus.DRAFT, "mentoring", "义诊进村")
    assert AuditEvent.objects.filter(data__activity=activity.pk, action="create").exists()
    assert list(item.activities.all()) == [activity]


def test_scheduling_needs_the_owners_staff(item, village_secretary, world):
    with pytest.raises(PermissionDenied):
        services.schedule_item(item, actor=village_secretary, planned_date=later(),
                               org=world.station, theme="monthly_charity")
    assert not Activity.objects.exists()


@pytest.mark.parametrize(("field", "kwargs"), [
    ("planned_date", {"planned_date": datetime.date(2020, 1, 1)}),
    ("org", {"org": "village_b1"}),
    ("theme", {"theme": "no-such-theme"}),
])
def test_scheduling_refusals(item, township_admin, world, tree, field, kwargs):
    values = {"planned_date": later(), "org": world.station, "theme": "monthly_charity"}
    values.update(kwargs)
    if values["org"] == "village_b1":
        values["org"] = tree.village_b1
    with pytest.raises(ValidationError) as exc:
        services.schedule_item(item, actor=township_admin, **values)
    assert field in exc.value.error_dict
    item.refresh_from_db()
    assert item.status == MenuStatus.OPEN and not Activity.objects.exists()


def test_scheduling_without_a_planner_is_refused(item, township_admin, world, monkeypatch):
    monkeypatch.setattr(hooks, "_planner", None)
    with pytest.raises(ValidationError) as exc:
        services.schedule_item(item, actor=township_admin, planned_date=later(),
                               org=world.station, theme="monthly_charity")
    assert exc.value.code == "no_planner"
    item.refresh_from_db()
    assert item.status == MenuStatus.OPEN
    assert hooks.activity_theme_choices() == []


def test_the_ledger_registers_its_planner_with_the_themes():
    assert hooks.activity_planner() is not None
    codes = dict(hooks.activity_theme_choices())
    assert codes["monthly_charity"] == ActivityTheme.objects.get(code="monthly_charity").name


# Done and withdraw -------------------------------------------------------------------------

def test_done_only_once_the_day_has_come(item, township_admin, world):
    services.schedule_item(item, actor=township_admin, planned_date=later(3),
                           org=world.station, theme="monthly_charity")
    with pytest.raises(ValidationError) as exc:
        services.mark_done(item, actor=township_admin)
    assert exc.value.code == "early"
    ServiceMenuItem.objects.filter(pk=item.pk).update(planned_date=timezone.localdate())
    assert services.mark_done(item, actor=township_admin).status == MenuStatus.DONE


def test_done_needs_the_owners_staff(item, village_secretary):
    with pytest.raises(PermissionDenied):
        services.mark_done(item, actor=village_secretary)


def test_withdrawing_a_scheduled_item_removes_its_draft(item, township_admin, world):
    services.schedule_item(item, actor=township_admin, planned_date=later(),
                           org=world.station, theme="monthly_charity")
    withdrawn = services.withdraw_item(item, actor=township_admin, reason="天气原因取消")
    assert withdrawn.status == MenuStatus.WITHDRAWN
    assert not Activity.objects.exists()
    assert AuditEvent.objects.filter(data__menu_item=item.pk, data__reason="天气原因取消").exists()


def test_a_submitted_activity_keeps_the_item(item, township_admin, world):
    services.schedule_item(item, actor=township_admin, planned_date=later(),
                           org=world.station, theme="monthly_charity")
    Activity.objects.filter(menu_item=item).update(status=ActivityStatus.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        services.withdraw_item(item, actor=township_admin, reason="取消")
    assert exc.value.code == "activity"
    item.refresh_from_db()
    assert item.status == MenuStatus.SCHEDULED


def test_the_proposer_withdraws_while_open_only(item, village_secretary, station_contact):
    with pytest.raises(ValidationError) as exc:
        services.withdraw_item(item, actor=village_secretary, reason=" ")
    assert "reason" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.withdraw_item(item, actor=station_contact, reason="不要了")
    services.commit_item(item, actor=station_contact)
    with pytest.raises(PermissionDenied):
        services.withdraw_item(item, actor=village_secretary, reason="不要了")


def test_nothing_moves_after_withdrawal(item, village_secretary, township_admin):
    services.withdraw_item(item, actor=village_secretary, reason="重复提出")
    with pytest.raises(ValidationError):
        services.withdraw_item(item, actor=township_admin, reason="再次撤下")
    with pytest.raises(ValidationError):
        services.vote(item, actor=village_secretary)


def test_the_withdraw_reason_is_kept_on_the_item(item, village_secretary):
    services.withdraw_item(item, actor=village_secretary, reason=" 重复提出 ")
    item.refresh_from_db()
    assert (item.status, item.withdraw_reason) == (MenuStatus.WITHDRAWN, "重复提出")
    assert AuditEvent.objects.filter(data__menu_item=item.pk, data__reason="重复提出").exists()


def test_a_refused_withdrawal_keeps_no_reason(item, village_secretary, station_contact):
    services.commit_item(item, actor=station_contact)
    with pytest.raises(PermissionDenied):
        services.withdraw_item(item, actor=village_secretary, reason="不要了")
    item.refresh_from_db()
    assert (item.status, item.withdraw_reason) == (MenuStatus.COMMITTED, "")


def test_an_overlong_reason_is_refused(item, township_admin):
    with pytest.raises(ValidationError) as exc:
        services.withdraw_item(item, actor=township_admin, reason="长" * 301)
    assert "reason" in exc.value.error_dict
    assert services.withdraw_item(item, actor=township_admin,
                                  reason="长" * 300).withdraw_reason == "长" * 300


# Pages -------------------------------------------------------------------------------------

def test_menu_page_scope(login, world, item, village_secretary, other_village_secretary,
                         township_admin):
    page = login(village_secretary).get(url("alliance_menu", world.core.pk))
    assert page.status_code == 200 and "义诊进村" in page.content.decode()
    assert url("menu_item_vote", item.pk) in page.content.decode()
    assert login(other_village_secretary).get(
        url("alliance_menu", world.core.pk)).status_code == 404
    assert login(other_village_secretary).get(
        url("menu_item_detail", item.pk)).status_code == 404
    staff = login(township_admin).get(url("menu_item_detail", item.pk)).content.decode()
    assert url("menu_item_schedule", item.pk) in staff


def test_vote_and_unvote_through_the_pages(login, item, village_secretary):
    client = login(village_secretary)
    client.post(url("menu_item_vote", item.pk))
    item.refresh_from_db()
    assert item.vote_count == 1
    page = client.get(url("alliance_menu", item.alliance_id)).content.decode()
    assert url("menu_item_unvote", item.pk) in page
    client.post(url("menu_item_unvote", item.pk))
    item.refresh_from_db()
    assert item.vote_count == 0


def test_schedule_page_plans_the_activity(login, item, township_admin, tree):
    day = later(5)
    client = login(township_admin)
    form = client.get(url("menu_item_schedule", item.pk)).content.decode()
    assert "一月一公益/志愿服务" in form
    response = client.post(url("menu_item_schedule", item.pk), {
        "planned_date": day.isoformat(), "org": tree.village_a1.pk, "theme": "monthly_charity"})
    assert response.status_code == 302
    activity = Activity.objects.get(menu_item=item)
    assert (activity.date, activity.org) == (day, tree.village_a1)


def test_the_schedule_page_refuses_a_done_item(login, item, township_admin):
    ServiceMenuItem.objects.filter(pk=item.pk).update(status=MenuStatus.DONE)
    response = login(township_admin).get(url("menu_item_schedule", item.pk))
    assert response.status_code == 302


def test_the_menu_page_costs_the_same_with_more_items(login, world, village_secretary,
                                                      township_admin):
    client = login(village_secretary)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("alliance_menu", world.core.pk)).status_code == 200
        return len(queries)

    for n in range(2):
        services.propose_item(world.core, actor=township_admin, title=f"项目{n}")
    few = count()
    for n in range(2, 25):
        item = services.propose_item(world.core, actor=township_admin, title=f"项目{n}")
        if n % 2:
            services.vote(item, actor=village_secretary)
    assert count() == few


def test_propose_and_commit_through_the_pages(login, world, village_secretary, station_contact):
    response = login(village_secretary).post(url("menu_item_propose", world.core.pk), {
        "title": "送戏下乡", "description": "", "channel": "chosen",
        "org": world.core.memberships.get(org__name="青山村").org_id})
    item = ServiceMenuItem.objects.get(title="送戏下乡")
    assert response.url == url("menu_item_detail", item.pk)
    client = login(station_contact)
    assert url("menu_item_commit", item.pk) in client.get(
        url("menu_item_detail", item.pk)).content.decode()
    client.post(url("menu_item_commit", item.pk), {"org": world.station.pk})
    item.refresh_from_db()
    assert (item.status, item.provider) == (MenuStatus.COMMITTED, world.station)


def test_the_pages_show_the_withdraw_reason(login, world, item, village_secretary):
    client = login(village_secretary)
    client.post(url("menu_item_withdraw", item.pk), {"reason": "与七一联学重复"})
    item.refresh_from_db()
    assert item.withdraw_reason == "与七一联学重复"
    detail = client.get(url("menu_item_detail", item.pk)).content.decode()
    assert 'id="withdraw-reason">与七一联学重复<' in detail
    listed = client.get(url("alliance_menu", world.core.pk), {"status": "withdrawn"})
    assert "与七一联学重复" in listed.content.decode()
    active = client.get(url("alliance_menu", world.core.pk)).content.decode()
    assert "与七一联学重复" not in active
