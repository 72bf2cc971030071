"""活动台账's navigation group and home-page panels: figures on a hand-built dataset for every
persona, and a constant number of queries when the data grows."""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger import navigation
from ledger.models import Activity, MonthReopening, Participation
from ledger.periods import close_date
from portal.dashboard import nav_for
from tests.factories import PersonFactory, add_org
from tests.permission_matrix import PERSONAS

TODAY = timezone.localdate()
MONTH_START = TODAY.replace(day=1)
PREVIOUS = MONTH_START - datetime.timedelta(days=1)
LONG_AGO = MONTH_START - datetime.timedelta(days=70)
QUARTER_START = datetime.date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)

PANEL_OF = {
    "county_admin": {"ledger_county"}, "leader": {"ledger_county"},
    "township_admin": {"ledger_township"}, "village_secretary": {"ledger_own"},
    "other_village_secretary": {"ledger_own"}, "unit_contact": {"ledger_own"},
    "talent": {"ledger_talent"}, "outsider": set(),
}


def _activity(org, day, theme, status, title="入户走访", **fields):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status, title=title,
                                   content="内容", **fields)


def _reopen(org, day, expires_in_days, actor=None):
    return MonthReopening.objects.create(
        org=org, year=day.year, month=day.month, reason="补录", reopened_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days))


@pytest.fixture
def ledger(tree, people, theme, talent):
    """This month: 青山村 1 draft, 2 submitted, 1 confirmed, 1 returned (+1 returned last
    month); 石桥村 only a draft (silent); 白水村 1 confirmed; 柳林村 nothing (silent); the unit
    1 submitted. The talent (陈农业) took part in 青山村's confirmed activity (2 h), 白水村's
    (1.5 h), a draft (not counted) and the unit's own activity (not a village's)."""
    people.unit.user = talent
    people.unit.save(update_fields=["user"])
    a1, a2, b1, unit = tree.village_a1, tree.village_a2, tree.village_b1, tree.unit
    _activity(a1, TODAY, theme, "draft")
    _activity(a1, TODAY, theme, "submitted")
    _activity(a1, MONTH_START, theme, "submitted")
    confirmed = _activity(a1, MONTH_START, theme, "confirmed", title="送医下乡")
    _activity(a1, MONTH_START, theme, "returned", title="本月退回", return_reason="缺照片")
    _activity(a1, PREVIOUS, theme, "returned", title="上月退回", return_reason="缺参与人员")
    draft = _activity(a2, TODAY, theme, "draft")
    village_b = _activity(b1, MONTH_START, theme, "confirmed")
    own = _activity(unit, TODAY, theme, "submitted")
    Participation.objects.create(activity=confirmed, person=people.unit, hours=2)
    Participation.objects.create(activity=village_b, person=people.unit, hours=1.5)
    Participation.objects.create(activity=draft, person=people.unit, hours=4)
    Participation.objects.create(activity=own, person=people.unit, hours=8)
    Participation.objects.create(activity=confirmed, person=people.a1, hours=2)
    earlier_in_quarter = QUARTER_START < MONTH_START
    if earlier_in_quarter:
        earlier = _activity(a1, QUARTER_START, theme, "confirmed")
        Participation.objects.create(activity=earlier, person=people.unit, hours=3)
    _reopen(a1, LONG_AGO, 3)
    _reopen(a2, LONG_AGO, -1)  # expired
    _reopen(b1, LONG_AGO, 3)
    return SimpleNamespace(earlier_in_quarter=earlier_in_quarter)


def _panels(response):
    return {shown.panel.key: shown.data for shown in response.context["panels"]}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_home_renders_for_every_persona(request, login, persona, ledger):
    response = login(request.getfixturevalue(persona)).get(reverse("portal:home"))
    assert response.status_code == 200
    assert {k for k in _panels(response) if k.startswith("ledger_")} == PANEL_OF[persona]
    nav = {item.url_name for entry in response.context["nav_items"] for item in entry.items}
    assert ("ledger:activity_list" in nav) == (persona != "outsider")
    assert ("ledger:ledger_export" in nav) == (persona not in ("talent", "outsider"))
    assert ("ledger:activity_to_confirm" in nav) == (persona in ("county_admin",
                                                                 "township_admin"))


def test_navigation_is_one_group(tree, county_admin):
    groups = [entry for entry in nav_for(county_admin) if entry.label == "活动台账"]
    assert len(groups) == 1
    labels = [item.label for item in groups[0].items]
    assert labels[0] == "活动台账" and labels[-1] == "台账导出"
    assert labels == ["活动台账", "待确认", "履职情况", "民情诉求", "每月调度", "半年报告",
                      "台账导出"]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_every_link_shown_opens(request, login, tree, persona):
    """The menu offers only pages the persona may open (capability of the item = the page's)."""
    user = request.getfixturevalue(persona)
    client = login(user)
    for entry in nav_for(user):
        for item in entry.items:
            if item.url_name.startswith("ledger:"):
                response = client.get(reverse(item.url_name))
                assert response.status_code == 200, (persona, item.url_name)


def test_village_panel(login, tree, ledger, village_secretary):
    response = login(village_secretary).get(reverse("portal:home"))
    data = _panels(response)["ledger_own"]
    assert {status: n for _, n, status, _ in data["by_status"]} == {
        "draft": 1, "submitted": 2, "confirmed": 1, "returned": 1}
    assert [status for _, _, status, alert in data["by_status"] if alert] == ["returned"]
    assert data["counted"] == 3
    closes = close_date(TODAY.year, TODAY.month, settings.LEDGER_CLOSE_DAY)
    assert data["deadline"]["date"] == closes
    assert data["deadline"]["days_left"] == (closes - TODAY).days
    previous_closes = close_date(PREVIOUS.year, PREVIOUS.month, settings.LEDGER_CLOSE_DAY)
    assert (data["previous"] is not None) == (TODAY <= previous_closes)
    assert data["previous_unfinished"] == 1
    # Last month's returned entry can still be fixed while that month is open; once it closed,
    # it is listed apart as 需申请补录.
    if TODAY <= previous_closes:
        assert data["returned_count"] == 2 and not data["locked"]
        assert [a.title for a in data["returned"]] == ["上月退回", "本月退回"]
    else:
        assert data["returned_count"] == 1
        assert [a.title for a in data["returned"]] == ["本月退回"]
        assert [a.title for a in data["locked"]] == ["上月退回"]
    assert [(r.org, r.month) for r in data["reopened"]] == [(tree.village_a1, LONG_AGO.month)]
    page = response.content.decode()
    assert f"台账于 {closes.month}月{closes.day}日 关闭，还剩 {(closes - TODAY).days} 天" in page
    assert "退回原因：缺参与人员" in page
    assert reverse("ledger:activity_detail", args=[data["returned"][0].pk]) in page


def test_unit_contact_and_other_village(login, tree, ledger, unit_contact,
                                        other_village_secretary):
    unit = _panels(login(unit_contact).get(reverse("portal:home")))["ledger_own"]
    assert {status: n for _, n, status, _ in unit["by_status"]}["submitted"] == 1
    assert unit["returned_count"] == 0 and unit["reopened"] == []
    other = _panels(login(other_village_secretary).get(reverse("portal:home")))["ledger_own"]
    assert {status: n for _, n, status, _ in other["by_status"]}["confirmed"] == 1
    assert [r.org for r in other["reopened"]] == [tree.village_b1]


def test_township_panel(login, tree, ledger, township_admin):
    response = login(township_admin).get(reverse("portal:home"))
    data = _panels(response)["ledger_township"]
    assert (data["villages"], data["silent_count"], data["silent"]) == (2, 1, ["石桥村"])
    assert data["waiting"] == 2
    assert data["reopened_count"] == 1
    assert [r.org for r in data["reopened"]] == [tree.village_a1]
    assert reverse("ledger:activity_to_confirm") in response.content.decode()


def test_talent_panel(login, tree, ledger, talent):
    response = login(talent).get(reverse("portal:home"))
    data = _panels(response)["ledger_talent"]
    assert (data["month_count"], data["month_hours"]) == (2, 3.5)
    earlier = 1 if ledger.earlier_in_quarter else 0
    assert data["quarter_count"] == 2 + earlier
    assert data["quarter_hours"] == 3.5 + 3 * earlier
    assert "每月至少参加1次村级服务活动" not in response.content.decode()


def test_talent_without_activities_gets_the_hint(login, tree, people, talent):
    people.unit.user = talent
    people.unit.save(update_fields=["user"])
    response = login(talent).get(reverse("portal:home"))
    data = _panels(response)["ledger_talent"]
    assert (data["month_count"], data["quarter_count"]) == (0, 0)
    assert "每月至少参加1次村级服务活动" in response.content.decode()


def test_talent_without_a_person(login, tree, talent):
    response = login(talent).get(reverse("portal:home"))
    assert _panels(response)["ledger_talent"]["person"] is None
    assert "尚未关联人员信息" in response.content.decode()


def test_county_panel(login, tree, ledger, county_admin, leader):
    for user in (county_admin, leader):
        data = _panels(login(user).get(reverse("portal:home")))["ledger_county"]
        # 青山村 3 + 白水村 1 + the unit 1 (counted); participations of counted activities.
        assert data["activities"] == 5
        assert data["waiting"] == 3
        assert data["participations"] == 4
        assert (data["villages"], data["silent"]) == (4, 2)



def test_county_panel_participations_follow_every_save(login, tree, ledger, county_admin,
                                                       people, theme):
    """The figure comes from the monthly tallies: a submitted draft, a new participant, a
    removed one and last month's activity move it as the rows would."""
    def participations():
        return _panels(login(county_admin).get(reverse("portal:home")))["ledger_county"][
            "participations"]

    draft = Activity.objects.get(org=tree.village_a2, status="draft")
    draft.status = "submitted"
    draft.save(update_fields=["status"])
    assert participations() == 5
    Participation.objects.create(activity=draft, person=people.a1)
    assert participations() == 6
    Participation.objects.filter(activity=draft, person=people.unit).delete()
    assert participations() == 5
    last_month = _activity(tree.village_a2, PREVIOUS, theme, "confirmed")
    Participation.objects.create(activity=last_month, person=people.a1)
    assert participations() == 5

def _grow(tree, theme, people):
    """More of everything: villages, activities, participants, returned entries, reopenings."""
    for n in range(6):
        village = add_org(tree.town_a if n % 2 else tree.town_b, f"新村{n}", "village")
        for status in ("draft", "submitted", "confirmed", "returned"):
            activity = _activity(village, TODAY, theme, status)
            Participation.objects.create(activity=activity, person=people.unit)
            Participation.objects.create(activity=activity,
                                         person=PersonFactory(home_org=village))
        _reopen(village, LONG_AGO, 2)
        for org in (tree.village_a1, tree.unit):
            activity = _activity(org, MONTH_START, theme, "returned", title=f"退回{n}")
            Participation.objects.create(activity=activity, person=people.unit, hours=1)
        _reopen(tree.village_a1, LONG_AGO, 2)


PANELS = {
    "village_secretary": navigation._own_ledger_panel,
    "unit_contact": navigation._own_ledger_panel,
    "township_admin": navigation._township_panel,
    "talent": navigation._talent_panel,
    "county_admin": navigation._county_panel,
    "leader": navigation._county_panel,
}


def _queries(user, panel):
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(pk=user.pk)  # no cached roles
    with CaptureQueriesContext(connection) as captured:
        assert panel(SimpleNamespace(user=fresh)) is not None
    return len(captured)


@pytest.mark.parametrize("persona", sorted(PANELS))
def test_queries_do_not_grow_with_the_data(request, tree, people, theme, ledger, persona):
    user = request.getfixturevalue(persona)
    small = _queries(user, PANELS[persona])
    _grow(tree, theme, people)
    assert _queries(user, PANELS[persona]) == small
    assert small <= 7  # the township's panel also counts the 补录申请 waiting for it
