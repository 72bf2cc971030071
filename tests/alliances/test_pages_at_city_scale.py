"""The alliance pages at city scale (issue 12): each page's work follows the rows it shows, not
every alliance, membership, venue or meeting of the scope. The figures stay the same; the
tests pin both the figures and the query shapes that keep the cost bounded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import (
    Alliance,
    AllianceKind,
    DevelopmentQuota,
    Meeting,
    MeetingStatus,
    Membership,
    Project,
    Venue,
)
from alliances.services import meetings as services
from alliances.services import projects as project_services
from portal.scope import ScopedQuerySetMixin
from tests.alliances.conftest import FOUNDED

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"alliances:{name}", args=args or None)


def queries_of(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


# 联盟列表 ---------------------------------------------------------------------------------------

def test_list_counts_current_members_of_each_row(alliances_world, tree, login, county_admin):
    world = alliances_world
    Membership.objects.filter(alliance=world.core, org=world.station).update(
        left_on=datetime.date(2025, 5, 1))
    empty = Alliance.objects.create(name="青山镇新建任务联盟", kind=AllianceKind.TASK,
                                    type=world.red, owner=tree.town_a, founded=FOUNDED)
    response, _ = queries_of(login(county_admin), url("alliance_list"))
    counts = {a.pk: a.member_count for a in response.context["page"]}
    assert counts == {world.core.pk: 4, world.area_1.pk: 2, world.area_2.pk: 3,
                      world.other_core.pk: 2, empty.pk: 0}


def test_list_counts_members_per_row_shown_not_grouped_over_all(alliances_world, login,
                                                                county_admin):
    """A GROUP BY over the memberships of every visible alliance sorted all of them before the
    LIMIT (906 alliances, 12,700 memberships at city scale); a correlated count per row shown
    lets the database walk the owners' path index and stop at the page."""
    _, sql = queries_of(login(county_admin), url("alliance_list"))
    [rows] = [q for q in sql if q.startswith('SELECT "alliances_alliance"."id"')
              and "LIMIT" in q]
    assert 'GROUP BY "alliances_alliance"."id"' not in rows
    assert 'LEFT OUTER JOIN "alliances_membership"' not in rows


# 联盟阵地 ---------------------------------------------------------------------------------------

@pytest.fixture
def venues(alliances_world, tree):
    """A venue of each way into a scope: owner and provider in 青山镇, an 白水乡 alliance's venue
    provided by a 青山镇 village, a county unit's venue lent to a 青山镇 alliance, and one all
    in 白水乡."""
    world = alliances_world
    return [Venue.objects.create(alliance=alliance, org=org, name=name)
            for alliance, org, name in [
                (world.core, tree.village_a1, "青山村党群服务中心"),
                (world.other_core, tree.village_a2, "石桥村会议室"),
                (world.area_1, tree.unit, "县农业农村局会议室"),
                (world.other_core, tree.village_b1, "白水村活动场所")]]


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "village_secretary",
                                     "unit_contact", "talent", "outsider"])
def test_venues_in_scope_by_owner_or_provider_as_the_path_filter(venues, persona, request):
    """The same venues as the generic filter on both paths (alliance owner or provider)."""
    user = request.getfixturevalue(persona)
    reference = ScopedQuerySetMixin.visible_to(Venue.objects.all(), user, "alliance.view")
    shown = Venue.objects.visible_to(user, "alliance.view")
    assert set(shown.values_list("pk", flat=True)) == set(reference.values_list("pk", flat=True))


def test_venues_in_scope_of_a_township(venues, township_admin, outsider):
    """青山镇's: its alliances' venues, and the one its village lends to 白水乡's alliance."""
    names = lambda user: set(Venue.objects.visible_to(user, "alliance.view")  # noqa: E731
                             .values_list("name", flat=True))
    assert names(township_admin) == {"青山村党群服务中心", "石桥村会议室", "县农业农村局会议室"}
    assert names(outsider) == set()


def test_venue_list_reads_the_scope_through_index_served_subqueries(venues, login,
                                                                     village_secretary):
    """Not an OR of the owner's and the provider's paths across the joins (which hashed every
    organization and venue of the city), and the providers fetched for the rows shown. The
    scope's venue ids come first, through the subqueries; the sorted, limited list then reads
    those ids (with the subqueries in it PostgreSQL guessed 800 of a city's 1,100 venues
    matched and walked its 5,800 organizations in path order for a township's 5)."""
    response, sql = queries_of(login(village_secretary), url("venue_list"))
    assert {(v.name, v.org.name) for v in response.context["page"]} == {
        ("青山村党群服务中心", "青山村"), ("石桥村会议室", "石桥村"),
        ("县农业农村局会议室", "县农业农村局")}
    [scope] = [q for q in sql if q.startswith('SELECT "alliances_venue"."id"')
               and "LIMIT" not in q]
    assert '"alliances_venue"."org_id" IN (SELECT' in scope
    assert '"alliances_venue"."alliance_id" IN (SELECT' in scope
    assert 'ON ("alliances_venue"."org_id" = ' not in scope
    [rows] = [q for q in sql if q.startswith('SELECT "alliances_venue"."id"')
              and "LIMIT" in q]
    assert '"alliances_venue"."id" IN (' in rows and "IN (SELECT" not in rows
    assert 'ON ("alliances_venue"."org_id" = ' not in rows


def test_venue_list_of_a_scope_holding_the_tree_tests_no_path(venues, login, county_admin):
    response, sql = queries_of(login(county_admin), url("venue_list"))
    assert len(response.context["page"]) == len(venues)
    [rows] = [q for q in sql if q.startswith('SELECT "alliances_venue"."id"')
              and "LIMIT" in q]
    assert "LIKE" not in rows and "IN (" not in rows


# 联盟例会 ---------------------------------------------------------------------------------------

def test_upcoming_meetings_walk_the_planned_meetings_by_time(postgresql_only, alliances_world,
                                                             county_admin):
    """The planned meetings soonest first come from a partial index in that order (the page
    stops at its LIMIT), not from a filter over every meeting ever held. Sequential scans and
    sorts are priced out, as the test's few rows would make any plan cheapest: only an index
    in that order gives the rows without a sort."""
    page = services.upcoming_meetings(county_admin)[:30]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "meeting_planned_time" in plan, plan


def test_upcoming_meetings_are_the_planned_ones_from_now(alliances_world, county_admin):
    world, now = alliances_world, timezone.now()
    hour = datetime.timedelta(hours=1)
    for title, starts_at, status in [("下周例会", now + 7 * 24 * hour, MeetingStatus.PLANNED),
                                     ("明天观摩", now + 24 * hour, MeetingStatus.PLANNED),
                                     ("昨天例会", now - 24 * hour, MeetingStatus.PLANNED),
                                     ("已召开", now + 2 * hour, MeetingStatus.HELD),
                                     ("已取消", now + 3 * hour, MeetingStatus.CANCELLED)]:
        Meeting.objects.create(alliance=world.core, title=title, starts_at=starts_at,
                               place="村部", status=status)
    assert [m.title for m in services.upcoming_meetings(county_admin, now=now)] == [
        "明天观摩", "下周例会"]


# 书记任务清单 and the project lists --------------------------------------------------------------

@pytest.fixture
def projects(alliances_world, tree):
    """A project each way into a scope: 青山镇's common list, a 青山镇 village's own list in
    白水乡's alliance, the county unit's list in a 青山镇 alliance, and 白水乡's own."""
    world = alliances_world
    Membership.objects.create(alliance=world.other_core, org=tree.village_a2, joined_on=FOUNDED)
    return [Project.objects.create(alliance=alliance, member=member, name=name,
                                   start_date=FOUNDED, end_date=FOUNDED.replace(year=2026))
            for alliance, member, name in [
                (world.core, None, "青山镇共性项目"),
                (world.other_core, tree.village_a2, "石桥村个性项目"),
                (world.area_1, tree.unit, "县农业农村局个性项目"),
                (world.other_core, tree.village_b1, "白水村个性项目")]]


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "village_secretary",
                                     "other_village_secretary", "unit_contact", "outsider"])
def test_projects_in_scope_as_the_path_filter_or_a_visible_alliance(projects, persona, request):
    user = request.getfixturevalue(persona)
    by_path = ScopedQuerySetMixin.visible_to(Project.objects.all(), user, "alliance.view")
    alliances = Alliance.objects.visible_to(user, "alliance.view")
    reference = set(by_path.values_list("pk", flat=True)) | set(
        Project.objects.filter(alliance__in=alliances).values_list("pk", flat=True))
    assert set(project_services.visible_projects(user).values_list("pk", flat=True)) == reference


def test_task_list_reads_the_scope_on_the_secretarys_projects(projects, tree, people, login,
                                                              village_secretary):
    """The secretary's projects filtered by index-served subqueries, not looked up in a
    pk IN (...) of every project in scope, which scanned the city's 6,600 projects."""
    people.a1.user = village_secretary
    people.a1.save()
    Project.objects.filter(name="青山镇共性项目").update(secretary_led=True, secretary=people.a1)
    response, sql = queries_of(login(village_secretary), url("my_tasks"))
    assert [p.name for p in response.context["page"]] == ["青山镇共性项目"]
    [rows] = [q for q in sql if q.startswith('SELECT "alliances_project"."id"')]
    assert '"alliances_project"."id" IN (SELECT' not in rows
    assert '"alliances_project"."member_id" IN (SELECT' in rows


# 党员发展指标 -----------------------------------------------------------------------------------

def test_development_overview_rows_open_or_holding_the_years_quota(alliances_world, tree,
                                                                  login, county_admin):
    """The open alliances and the closed ones given places that year, each once, with no
    DISTINCT over every alliance in scope (the year's quotas read as an IN-subquery)."""
    world = alliances_world
    closed = {name: Alliance.objects.create(name=name, kind=AllianceKind.TASK, type=world.red,
                                            owner=tree.town_a, founded=FOUNDED,
                                            closed_at=datetime.date(2026, 6, 30))
              for name in ("已结束有指标", "已结束无指标", "已结束往年指标")}
    DevelopmentQuota.objects.bulk_create([
        DevelopmentQuota(alliance=world.core, year=2026, places=2),
        DevelopmentQuota(alliance=closed["已结束有指标"], year=2026, places=1),
        DevelopmentQuota(alliance=closed["已结束往年指标"], year=2025, places=1)])
    response, sql = queries_of(login(county_admin), url("development_overview"), {"year": 2026})
    names = [a.name for a in response.context["page"]]
    assert sorted(names) == sorted([world.core.name, world.area_1.name, world.area_2.name,
                                    world.other_core.name, "已结束有指标"])
    assert response.context["page"].paginator.count == 5
    [rows] = [q for q in sql if q.startswith('SELECT') and 'FROM "alliances_alliance"' in q
              and "LIMIT" in q and "owner_id" in q and "alliancetype" in q]
    assert not rows.startswith("SELECT DISTINCT")
    assert 'JOIN "alliances_developmentquota"' not in rows
