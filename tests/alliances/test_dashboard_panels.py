"""The alliance home-page panels (alliances/nav_dashboard.py): the alliance leader's panel
(members, projects due and late, the next meeting, the open or next 擂台赛) and the township's
(this quarter's stars, the change since last quarter, 示范点, links to the boards): who sees
them, their empty states, and query counts that do not follow the number of alliances."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alliances import nav_dashboard
from alliances import stars as rules
from alliances.models import (
    Alliance,
    AllianceKind,
    Competition,
    CompetitionStatus,
    Entrant,
    Meeting,
    MeetingStatus,
    Membership,
    Project,
    ProjectStatus,
    StarRating,
    StarSource,
)
from portal.models import Person
from tests.alliances.conftest import FOUNDED

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS = rules.quarter_of(TODAY)
LAST = rules.previous_quarter(*THIS)


def home(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def panel_html(page, key):
    """The card of panel `key` on the home page, or None."""
    marker = f'data-panel="{key}"'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split('data-panel="', 1)[0]


def lead(person, user):
    Person.objects.filter(pk=person.pk).update(user=user)


def project(alliance, name, end, status=ProjectStatus.ONGOING):
    return Project(alliance=alliance, name=name, goal="目标", start_date=FOUNDED, end_date=end,
                   status=status)


def fill_leader_world(world):
    """area_1 (青山片区) with a project due in ten days, one late, one late but done, a planned
    meeting next week and a later one, a cancelled one sooner, and an open 擂台赛 it enters."""
    day = datetime.timedelta(days=1)
    Project.objects.bulk_create([
        project(world.area_1, "茶园提质", TODAY + 10 * day),
        project(world.area_1, "道路硬化", TODAY - 5 * day),
        project(world.area_1, "已完成项目", TODAY - 5 * day, ProjectStatus.DONE),
        project(world.area_1, "远期项目", TODAY + 90 * day),
    ])
    now = timezone.now()
    Meeting.objects.bulk_create([
        Meeting(alliance=world.area_1, title="第二季度联盟例会", starts_at=now + 7 * day,
                place="青山村党群服务中心"),
        Meeting(alliance=world.area_1, title="更晚的例会", starts_at=now + 20 * day, place="村部"),
        Meeting(alliance=world.area_1, title="已取消的例会", starts_at=now + 2 * day, place="村部",
                status=MeetingStatus.CANCELLED),
        Meeting(alliance=world.area_1, title="上次例会", starts_at=now - 7 * day, place="村部",
                status=MeetingStatus.HELD),
    ])
    published = Competition.objects.create(
        owner=world.core.owner, title="上半年擂台赛", year=TODAY.year, half=1,
        held_on=TODAY - 60 * day, status=CompetitionStatus.PUBLISHED)
    current = Competition.objects.create(
        owner=world.core.owner, title="下半年擂台赛", year=TODAY.year, half=2,
        held_on=TODAY - day)
    Entrant.objects.bulk_create([Entrant(competition=published, alliance=world.area_1),
                                 Entrant(competition=current, alliance=world.area_1)])


def test_the_leader_sees_members_projects_meeting_and_competition(alliances_world, login,
                                                                  village_secretary):
    world = alliances_world
    fill_leader_world(world)
    lead(world.people.area_leader, village_secretary)
    panel = panel_html(home(login(village_secretary)), "alliances_led")
    assert panel is not None
    assert world.area_1.name in panel and world.core.name not in panel
    assert reverse("alliances:alliance_detail", args=[world.area_1.pk]) in panel
    assert "2 个成员" in panel
    assert "30天内到期 <strong>1</strong> 项" in panel
    assert "逾期 <strong>1</strong> 项" in panel
    assert "第二季度联盟例会" in panel and "更晚的例会" not in panel
    assert "已取消的例会" not in panel and "上次例会" not in panel
    assert "下半年擂台赛" in panel and "上半年擂台赛" not in panel
    assert reverse("alliances:competition_detail",
                   args=[Competition.objects.get(half=2).pk]) in panel


def test_the_next_competition_is_one_still_to_be_held(alliances_world, login, unit_contact):
    world = alliances_world
    lead(world.people.area_leader, unit_contact)
    past = Competition.objects.create(owner=world.core.owner, title="去年擂台赛",
                                      year=TODAY.year - 1, half=2,
                                      held_on=TODAY - datetime.timedelta(days=200),
                                      status=CompetitionStatus.PUBLISHED)
    coming = Competition.objects.create(owner=world.core.owner, title="即将举办的擂台赛",
                                        year=TODAY.year, half=2,
                                        held_on=TODAY + datetime.timedelta(days=20),
                                        status=CompetitionStatus.PUBLISHED)
    Entrant.objects.bulk_create([Entrant(competition=past, alliance=world.area_1),
                                 Entrant(competition=coming, alliance=world.area_1)])
    panel = panel_html(home(login(unit_contact)), "alliances_led")
    assert "即将举办的擂台赛" in panel and "去年擂台赛" not in panel


def test_the_leader_panel_empty_states(alliances_world, login, township_admin):
    world = alliances_world
    lead(world.people.core_leader, township_admin)
    panel = panel_html(home(login(township_admin)), "alliances_led")
    assert "暂无计划" in panel and "暂未参赛" in panel
    assert "30天内到期 <strong>0</strong> 项" in panel and "逾期 <strong>0</strong> 项" in panel


def test_no_leader_panel_without_a_led_open_alliance(alliances_world, login, village_secretary,
                                                    unit_contact):
    world = alliances_world
    assert panel_html(home(login(village_secretary)), "alliances_led") is None
    Alliance.objects.filter(pk=world.area_1.pk).update(closed_at=TODAY)
    lead(world.people.area_leader, unit_contact)
    assert panel_html(home(login(unit_contact)), "alliances_led") is None


def test_a_leader_in_any_role_sees_the_panel_without_links_outside_their_scope(
        alliances_world, login, talent):
    """The talent role cannot open alliances (no alliance.view): the panel still shows what
    they lead, as text."""
    world = alliances_world
    fill_leader_world(world)
    lead(world.people.area_leader, talent)
    panel = panel_html(home(login(talent)), "alliances_led")
    assert world.area_1.name in panel and "第二季度联盟例会" in panel
    assert reverse("alliances:alliance_detail", args=[world.area_1.pk]) not in panel
    assert "下半年擂台赛" in panel
    assert reverse("alliances:competition_detail",
                   args=[Competition.objects.get(half=2).pk]) not in panel


def render_panel(key, user):
    """(query count, html) of panel `key` for `user`, fresh from the database as in a new
    request (no cached roles): its context and its template."""
    panel = {"alliances_led": nav_dashboard.LEADER_PANEL,
             "alliances_stars": nav_dashboard.TOWNSHIP_PANEL}[key]
    request = RequestFactory().get("/")
    request.user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        context = panel.context(request)
        html = render_to_string(panel.template, {"data": context}) if context else ""
    return len(captured), html


def more_led_alliances(world, leader, n):
    """n more open task alliances led by `leader`, each with members, projects due and late,
    planned meetings and an open 擂台赛 entry."""
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i:02d}", kind=AllianceKind.TASK, type=world.blue,
                 owner=world.core.owner, founded=FOUNDED, leader=leader) for i in range(n))
    Membership.objects.bulk_create(
        Membership(alliance=alliance, org=org, joined_on=FOUNDED)
        for alliance in alliances for org in (world.station, world.enterprise))
    day = datetime.timedelta(days=1)
    Project.objects.bulk_create(
        project(alliance, f"项目{k}", TODAY + (k * 9 - 20) * day)
        for alliance in alliances for k in range(6))
    Meeting.objects.bulk_create(
        Meeting(alliance=alliance, title=f"例会{k}", starts_at=timezone.now() + (k + 1) * day,
                place="村部") for alliance in alliances for k in range(3))
    rounds = Competition.objects.bulk_create(
        Competition(owner=world.core.owner, title=f"擂台赛{k}", year=TODAY.year - k, half=2,
                    held_on=TODAY - (k * 180 + 1) * day,
                    status=CompetitionStatus.OPEN if k == 0 else CompetitionStatus.PUBLISHED)
        for k in range(3))
    Entrant.objects.bulk_create(Entrant(competition=c, alliance=alliance)
                                for alliance in alliances for c in rounds)
    return alliances


def test_the_leader_panel_query_count_does_not_follow_the_alliances(alliances_world,
                                                                    village_secretary):
    world = alliances_world
    fill_leader_world(world)
    lead(world.people.area_leader, village_secretary)
    small, html = render_panel("alliances_led", village_secretary)
    assert "第二季度联盟例会" in html
    more_led_alliances(world, world.people.area_leader, 20)
    grown, html = render_panel("alliances_led", village_secretary)
    assert "共负责 21 个联盟" in html and "擂台赛0" in html
    assert grown == small, f"{small} queries with one alliance, {grown} with 21"


# The township panel: stars, change and 示范点.

def rate(alliance, quarter, *stars):
    """Unsaved ratings of `alliance` for `quarter`."""
    return [StarRating(alliance=alliance, year=quarter[0], quarter=quarter[1], stars=s,
                       source=StarSource.MANUAL, reason="评定") for s in stars]


def township_panel_of(user):
    """(the township panel's context for `user`, the queries it ran)."""
    request = RequestFactory().get("/")
    request.user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        panel = nav_dashboard._township_panel(request)
    return panel, captured


def every_open_alliance_in_order():
    """The names of every open alliance in the panel's order (示范点, this quarter's stars,
    tree order), each one's stars looked up: what the panel's rows must begin with."""
    every = (Alliance.objects.open().annotate(stars_now=nav_dashboard._stars_of(*THIS))
             .order_by("-is_demonstration", F("stars_now").desc(nulls_last=True),
                       *nav_dashboard.TREE_ORDER))
    return [alliance.name for alliance in every]


def rate_world(world):
    StarRating.objects.bulk_create(
        rate(world.core, LAST, 4) + rate(world.core, THIS, 3, 5)
        + rate(world.area_1, LAST, 4) + rate(world.area_1, THIS, 2)
        + rate(world.area_2, THIS, 3) + rate(world.other_core, THIS, 1))
    # rated_at is auto_now_add: order the core's re-rating afterwards (the 5 stars count).
    for rating in StarRating.objects.filter(alliance=world.core, year=THIS[0], quarter=THIS[1]):
        StarRating.objects.filter(pk=rating.pk).update(
            rated_at=timezone.now() + datetime.timedelta(minutes=rating.stars))
    Alliance.objects.filter(pk=world.core.pk).update(is_demonstration=True)


def test_the_township_sees_its_alliances_stars_and_changes(alliances_world, login,
                                                           township_admin):
    world = alliances_world
    rate_world(world)
    panel = panel_html(home(login(township_admin)), "alliances_stars")
    assert panel is not None
    assert world.core.name in panel and world.area_1.name in panel
    assert world.other_core.name not in panel
    assert "升4→5" in panel and "降4→2" in panel and "新评" in panel
    assert "示范点" in panel
    assert "5星 <strong>1</strong>" in panel and "2星 <strong>1</strong>" in panel
    assert "进行中的联盟 <strong>3</strong> 个" in panel
    assert f"{THIS[0]}年第{THIS[1]}季度" in panel
    assert reverse("alliances:star_board") in panel
    # The 示范点 and the best rated come first.
    assert panel.index(world.core.name) < panel.index(world.area_2.name) < panel.index(
        world.area_1.name)


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 8])
def test_the_first_rows_are_found_among_the_best_rated_only(alliances_world, county_admin,
                                                            monkeypatch, limit):
    """The rows are ordered among the 示范点 and the alliances rated at least where the first
    rows end — the same rows as ordering every open alliance, also when an alliance's earlier
    rating of the quarter was higher than the one that counts."""
    world = alliances_world
    rate_world(world)
    # 石桥片区 rated 4 first this quarter, then 2: its 2 counts.
    StarRating.objects.filter(alliance=world.area_1, year=THIS[0], quarter=THIS[1]).update(
        rated_at=timezone.now() + datetime.timedelta(hours=1))
    StarRating.objects.bulk_create(rate(world.area_1, THIS, 4))
    monkeypatch.setattr(nav_dashboard, "TOWNSHIP_LIMIT", limit)
    panel, captured = township_panel_of(county_admin)
    rows = panel["rows"]
    shown = [row["alliance"].name for row in rows]
    rows_sql = [q["sql"] for q in captured if "LIMIT" in q["sql"]][-1]
    if limit == 2:  # the first two end among the 3-star alliances: only those are ordered
        assert '"stars" >= 3' in rows_sql, rows_sql
    assert shown == every_open_alliance_in_order()[:limit]
    assert shown[:2] == [world.core.name, world.area_2.name][:limit]


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8])
def test_the_first_rows_ending_among_the_unrated_read_no_stars_of_the_others(
        alliances_world, tree, county_admin, monkeypatch, limit):
    """Most of a quarter, before its ratings, the first rows end among the unrated: every
    示范点 and rated alliance leads, then the unrated ones in tree order — found as the first
    rows of the unrated alone, not by looking up every alliance's stars. Same rows as ordering
    every open alliance."""
    world = alliances_world
    StarRating.objects.bulk_create(rate(world.area_2, THIS, 3) + rate(world.core, LAST, 4))
    Alliance.objects.filter(pk=world.other_core.pk).update(is_demonstration=True)
    for n in range(4):  # more unrated alliances than the rows shown, in both townships
        Alliance.objects.create(name=f"任务联盟{n}", kind="task", type=world.blue, founded=TODAY,
                                owner=tree.town_a if n % 2 else tree.town_b)
    monkeypatch.setattr(nav_dashboard, "TOWNSHIP_LIMIT", limit)
    panel, captured = township_panel_of(county_admin)
    rows = panel["rows"]
    shown = [row["alliance"].name for row in rows]
    assert shown == every_open_alliance_in_order()[:limit]
    rows_sql = [q["sql"] for q in captured if f"LIMIT {limit}" in q["sql"]][-1]
    if limit > 2:  # past the 示范点 and the rated one: the unrated are a subquery's first rows
        assert rows_sql.count(f"LIMIT {limit}") == 2, rows_sql


def test_before_the_quarters_first_rating_no_alliances_stars_are_looked_up(
        alliances_world, county_admin):
    """Until the quarter's first rating every alliance is unrated: the summary counts them by
    示范点 alone and the rows are the first in tree order, with no star lookup per alliance
    (only the stars shown, and last quarter's for the change)."""
    world = alliances_world
    StarRating.objects.bulk_create(rate(world.core, LAST, 4))
    Alliance.objects.filter(pk=world.area_2.pk).update(is_demonstration=True)
    panel, captured = township_panel_of(county_admin)
    summary = panel["summary"]
    assert (summary["total"], summary["demonstration"], summary["unrated"]) == (4, 1, 4)
    assert [row["alliance"].name for row in panel["rows"]] == every_open_alliance_in_order()
    assert panel["rows"][0]["alliance"].name == world.area_2.name
    assert all(row["change"] == "" and row["stars_text"] == "" for row in panel["rows"])
    [summary_sql] = [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
    assert "alliances_starrating" not in summary_sql, summary_sql


def test_the_county_sees_every_township(alliances_world, login, county_admin):
    world = alliances_world
    rate_world(world)
    panel = panel_html(home(login(county_admin)), "alliances_stars")
    assert world.core.name in panel and world.other_core.name in panel
    assert "白水乡" in panel and "进行中的联盟 <strong>4</strong> 个" in panel


def test_closed_alliances_are_left_out(alliances_world, login, township_admin):
    world = alliances_world
    Alliance.objects.filter(pk=world.area_2.pk).update(closed_at=TODAY)
    panel = panel_html(home(login(township_admin)), "alliances_stars")
    assert world.area_2.name not in panel and "未评 <strong>2</strong>" in panel


def test_the_township_panel_empty_state(tree, login, township_admin):
    panel = panel_html(home(login(township_admin)), "alliances_stars")
    assert "范围内还没有进行中的党建联盟" in panel
    assert reverse("alliances:star_board") in panel


def test_other_roles_do_not_see_the_township_panel(alliances_world, login, village_secretary,
                                                   leader):
    assert panel_html(home(login(village_secretary)), "alliances_stars") is None
    assert panel_html(home(login(leader)), "alliances_stars") is None


def test_the_showcase_link_appears_only_when_the_route_exists(alliances_world, township_admin,
                                                               monkeypatch):
    real = nav_dashboard.reverse

    def without_showcase(name, *args, **kwargs):
        if name == "alliances:showcase_board":
            raise NoReverseMatch(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(nav_dashboard, "reverse", without_showcase)
    _, html = render_panel("alliances_stars", township_admin)
    assert "评星榜" in html and "季度晾晒" not in html

    def with_showcase(name, *args, **kwargs):
        return "/alliances/showcase/" if name == "alliances:showcase_board" else real(
            name, *args, **kwargs)

    monkeypatch.setattr(nav_dashboard, "reverse", with_showcase)
    _, html = render_panel("alliances_stars", township_admin)
    assert 'href="/alliances/showcase/"' in html and "季度晾晒" in html


def test_the_township_panel_query_count_does_not_follow_the_alliances(alliances_world,
                                                                      county_admin):
    world = alliances_world
    rate_world(world)
    small, _ = render_panel("alliances_stars", county_admin)
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i:02d}", kind=AllianceKind.TASK, type=world.green,
                 owner=world.other_core.owner, founded=FOUNDED, is_demonstration=i % 7 == 0)
        for i in range(30))
    quarters = [THIS, LAST, rules.previous_quarter(*LAST)]
    StarRating.objects.bulk_create(
        rating for i, alliance in enumerate(alliances) for quarter in quarters
        for rating in rate(alliance, quarter, 1 + i % 5, 1 + (i + 2) % 5))
    grown, html = render_panel("alliances_stars", county_admin)
    assert "共 34 个联盟" in html
    assert grown == small, f"{small} queries with 4 alliances, {grown} with 34"


def test_the_township_summary_counts_each_alliance_s_stars_once(alliances_world, county_admin):
    """The summary groups the open alliances by (示范点, this quarter's stars) with one stars
    lookup per alliance (its FILTERs over one aggregate repeated the lookup six times); the
    same figures as counting the alliances one by one, a later rating replacing an earlier."""
    world = alliances_world
    rate_world(world)
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i:02d}", kind=AllianceKind.TASK, type=world.green,
                 owner=world.other_core.owner, founded=FOUNDED, is_demonstration=i % 3 == 0)
        for i in range(12))
    StarRating.objects.bulk_create(
        rating for i, alliance in enumerate(alliances) if i % 4
        for rating in rate(alliance, THIS, 1 + i % 5))
    Alliance.objects.filter(pk=alliances[1].pk).update(closed_at=TODAY)
    panel, captured = township_panel_of(county_admin)
    summary = panel["summary"]
    year, quarter = THIS
    stars = {}
    for alliance in Alliance.objects.open():
        newest = (StarRating.objects.filter(alliance=alliance, year=year, quarter=quarter)
                  .order_by("-rated_at", "-id").first())
        stars[alliance.pk] = (alliance.is_demonstration, newest.stars if newest else None)
    expected = {"total": len(stars),
                "demonstration": sum(1 for demo, _ in stars.values() if demo),
                "unrated": sum(1 for _, s in stars.values() if s is None),
                **{f"s{n}": sum(1 for _, s in stars.values() if s == n)
                   for n in range(rules.MAX_STARS, 0, -1)}}
    assert summary == expected and expected["total"] == 15
    assert expected["unrated"] > 0 and expected["demonstration"] > 0
    first = captured.captured_queries[-2]["sql"]  # the summary, then the rows
    assert first.count("alliances_starrating") == 1
