"""Every page of the alliances keeps its query count at small and county scale.

One test walks every GET route of the `alliances` URL namespace (found from the resolver, as
tests/test_permission_matrix.py does; POST-only views — where the permission matrix expects
405 on GET from every signed-in persona — are skipped) as the county admin. It counts each
page's queries on a small world, grows the data to county size with bulk_create (many more
member organizations, alliances, projects and updates, stars over quarters, bookings,
inspections and rectifications, entrants and judge scores, meetings with attendees and photos,
menu items with votes, mentors, experts, candidates) and asserts that no count changed.

A new page needs one line in PROVIDERS (route name → function(world) → URL arguments); the
test fails and names the routes that have none. No database marker: CI runs the whole suite on
SQLite and again on PostgreSQL (.ci/run), so this test runs on both.
"""

import datetime
import io
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone
from PIL import Image

from alliances import stars as rules
from alliances.models import (
    Alliance,
    AllianceKind,
    AnnualReview,
    Booking,
    Competition,
    CompetitionStatus,
    Criterion,
    DevelopmentCandidate,
    DevelopmentQuota,
    Entrant,
    Expert,
    Inspection,
    InspectionRound,
    Judge,
    JudgeScore,
    Meeting,
    MeetingPhoto,
    MemberReport,
    Membership,
    MentorPair,
    PeerScore,
    Project,
    ProjectUpdate,
    Rectification,
    ServiceMenuItem,
    ServiceVote,
    StarRating,
    StarSource,
    Venue,
)
from pairing.models import Need, NeedKind
from portal.models import Person
from tests.alliances.conftest import FOUNDED, build_alliances_world
from tests.factories import bulk_orgs, bulk_people, password_hash
from tests.permission_matrix import CASES
from tests.test_permission_matrix import is_get_on_post_only, named_patterns

NAMESPACE = "alliances"
NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
THIS_QUARTER = rules.quarter_of(TODAY)


@dataclass
class Visit:
    """A page visit: URL arguments, GET parameters, and the world's user who visits (the
    county admin unless a page is only for someone else, e.g. a member's secretary)."""

    args: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    as_user: str = "admin"


def none(world):
    return []


def pk(name):
    """The primary key of `world.<name>`."""
    return lambda world: [getattr(world, name).pk]


def pks(*names):
    return lambda world: [getattr(world, name).pk for name in names]


# Route → the URL arguments on the world built below: a list, or a Visit.
PROVIDERS = {
    # Structure (联盟架构, list, overview, an alliance's page and its forms).
    "structure": none,
    "overview": none,
    "alliance_list": none,
    "alliance_create": none,
    "alliance_detail": pk("core"),
    "alliance_edit": pk("core"),
    "member_add": pk("core"),
    # Shared venues (阵地).
    "venue_list": none,
    "alliance_venues": pk("core"),
    "venue_create": pk("core"),
    "venue_detail": lambda w: Visit([w.venue.pk], {"week": w.booking.start.date()}),
    "venue_edit": pk("venue"),
    "booking_create": pk("venue"),
    # Cross-inspection (交叉检查).
    "round_list": none,
    "round_create": none,
    "round_detail": pk("round"),
    "inspection_detail": pk("inspection"),
    "inspection_record": pk("inspection"),
    # Project lists (项目清单) and 书记党建任务清单.
    "my_tasks": none,
    "alliance_projects": pk("core"),
    "project_create": pk("core"),
    "project_detail": pk("project"),
    "project_edit": pk("project"),
    "project_update_create": pk("project"),
    "project_update_evidence": pk("update"),
    # Dynamic stars (动态评星).
    "star_board": lambda w: Visit(params={"township": w.core.owner_id}),
    "star_history": pk("core"),
    "star_set": pk("core"),
    # 擂台赛.
    "competition_list": none,
    "competition_create": none,
    "competition_detail": pk("competition"),
    "score_sheet": pks("competition", "entrant"),
    # 季度晾晒.
    "showcase_board": lambda w: Visit(params={"township": w.core.owner_id}),
    "showcase_alliance": pk("core"),
    # Meetings, site visits, rotation and the year-end review.
    "meeting_upcoming": none,
    "meeting_list": pk("core"),
    "meeting_plan": pk("core"),
    "rotation": pk("core"),
    "meeting_detail": pk("meeting"),
    "meeting_edit": pk("upcoming"),
    "meeting_held": pk("to_record"),
    "meeting_photo_add": pk("meeting"),
    "meeting_photo": pk("photo"),
    "meeting_photo_thumb": pk("photo"),
    "review_list": pk("core"),
    "review_open": pk("core"),
    "review_detail": pk("review"),
    # A member's 述职 and scores: its own secretary's pages.
    "review_report": lambda w: Visit([w.review.pk, w.village_a1.pk], as_user="secretary"),
    "review_scores": lambda w: Visit([w.review.pk, w.village_a1.pk], as_user="secretary"),
    # Service menu, micro-wishes and 一月一公益.
    "alliance_menu": pk("core"),
    "menu_item_propose": pk("core"),
    "menu_item_detail": pk("menu_item"),
    "menu_item_commit": lambda w: Visit([w.menu_item.pk], as_user="unit_contact"),
    "menu_item_schedule": pk("menu_item"),
    "charity_board": none,
    "alliance_wishes": pk("core"),
    "my_alliance_needs": none,
    # 报告完成 of a claim 青山村's secretary made on 石桥村's micro-wish: the claimant's page.
    "wish_claim_report": lambda w: Visit([w.secretary.claims.create(
        need=w.tree.village_a2.needs.create(kind=NeedKind.MICRO_WISH, title="修路灯",
                                            description="路灯", deadline=TODAY + 9 * DAY)).pk],
        as_user="secretary"),
    # People across the alliance.
    "alliance_people": pk("core"),
    "mentor_list": pk("core"),
    "mentor_add": pk("core"),
    "expert_list": pk("core"),
    "expert_add": pk("core"),
    "expert_edit": pk("expert"),
    "development_overview": none,
    "development": pk("core"),
    "quota_set": pk("core"),
    "candidate_recommend": pk("core"),
}


def get_routes():
    """Names (without the namespace) of the alliances' routes that answer GET."""
    prefix = f"{NAMESPACE}:"
    post_only = {case.url_name for case in CASES if is_get_on_post_only(case)}
    return {name.removeprefix(prefix) for name in named_patterns(get_resolver().url_patterns)
            if name.startswith(prefix) and name not in post_only}


# The small world: a few of everything, each page's object among them.

def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def build_small_world(tree, people, admin, secretary, unit_contact):
    """tests/alliances/conftest.py's alliances plus a few projects, stars, a venue with a
    booking, an inspection round, an open and a published 擂台赛 (the county admin judges the
    open one), an upcoming meeting, a past one to record and a held one with a photo, a
    year-end review, a menu item, a micro-wish and the people rows, built with the ORM; the
    county admin's person is 青山村's secretary (书记领办), 县农业农村局 joins the core."""
    world = build_alliances_world(tree)
    core, area_1, area_2 = world.core, world.area_1, world.area_2
    w = SimpleNamespace(**vars(world), tree=tree, persons=people, admin=admin,
                        secretary=secretary, unit_contact=unit_contact,
                        village_a1=tree.village_a1)
    Membership.objects.create(alliance=core, org=tree.unit, joined_on=FOUNDED)
    Person.objects.filter(pk=people.a1.pk).update(user=admin)  # 书记领办 on my_tasks
    w.project = Project.objects.create(alliance=core, name="茶园提质", goal="提质增效",
                                       start_date=FOUNDED, end_date=TODAY + 60 * DAY,
                                       status="ongoing")
    Project.objects.create(alliance=core, member=tree.village_a1, name="道路硬化", goal="硬化",
                           start_date=FOUNDED, end_date=TODAY + 20 * DAY, secretary_led=True,
                           secretary=people.a1)
    w.update = ProjectUpdate(project=w.project, year=FOUNDED.year, quarter=2, progress=30,
                             note="已完成规划")
    w.update.evidence.save("evidence.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    w.update.save()
    StarRating.objects.bulk_create(
        StarRating(alliance=a, year=year, quarter=quarter, stars=3 + n % 3,
                   source=StarSource.MANUAL, reason="季度评定")
        for n, a in enumerate((core, area_1, area_2, world.other_core))
        for year, quarter in (THIS_QUARTER, rules.previous_quarter(*THIS_QUARTER)))
    w.venue = Venue.objects.create(alliance=core, org=tree.village_a1, name="青山村党群服务中心")
    start = (NOW + 2 * DAY).replace(hour=9, minute=0, second=0)
    w.booking = Booking.objects.create(venue=w.venue, org=tree.village_a1, start=start,
                                       end=start + datetime.timedelta(hours=2), purpose="主题党日",
                                       booked_by=admin)
    w.round = InspectionRound.objects.create(owner=tree.town_a, title="第一轮交叉检查",
                                             due=TODAY + 30 * DAY)
    inspections = Inspection.objects.bulk_create([
        Inspection(round=w.round, inspector=core, inspected=area_1),
        Inspection(round=w.round, inspector=area_1, inspected=area_2),
        Inspection(round=w.round, inspector=area_2, inspected=core)])
    w.inspection = inspections[0]
    Rectification.objects.create(inspection=w.inspection, item="台账不全",
                                 deadline=TODAY + 10 * DAY)
    other_judge = get_user_model().objects.create(username="judge_small",
                                                  password=password_hash())
    w.competition, w.published = (
        Competition.objects.create(owner=tree.town_a, title=title, year=TODAY.year, half=half,
                                   held_on=TODAY - DAY, status=status)
        for title, half, status in (("下半年擂台赛", 2, CompetitionStatus.OPEN),
                                    ("上半年擂台赛", 1, CompetitionStatus.PUBLISHED)))
    for competition in (w.competition, w.published):
        criteria = Criterion.objects.bulk_create([
            Criterion(competition=competition, name="项目成效", weight=60, order=1),
            Criterion(competition=competition, name="群众评价", weight=40, order=2)])
        entrants = Entrant.objects.bulk_create([Entrant(competition=competition, alliance=a)
                                                for a in (area_1, area_2)])
        judges = Judge.objects.bulk_create([Judge(competition=competition, user=u)
                                            for u in (admin, other_judge)])
        JudgeScore.objects.bulk_create(
            JudgeScore(judge=judge, entrant=entrant, criterion=criterion, score=80)
            for judge in judges for entrant in entrants for criterion in criteria)
        if competition == w.competition:
            w.entrant = entrants[0]
    Competition.objects.filter(pk=w.published.pk).update(published_at=NOW)
    w.upcoming, w.to_record, w.meeting = Meeting.objects.bulk_create([
        Meeting(alliance=core, title="联盟例会", starts_at=NOW + 3 * DAY, place="村部",
                host_org=tree.village_a1),
        Meeting(alliance=core, title="待记录的例会", starts_at=NOW - DAY, place="村部"),
        Meeting(alliance=core, title="现场观摩", kind="site_visit", starts_at=NOW - 3 * DAY,
                place="青山村党群服务中心", host_org=tree.village_a1, status="held",
                minutes="观摩了茶园")])
    w.meeting.attendees.add(people.a1, people.a2)
    w.photo = MeetingPhoto.objects.create(meeting=w.meeting, file=jpeg(), caption="签到")
    w.review = AnnualReview.objects.create(alliance=core, year=TODAY.year)
    MemberReport.objects.create(review=w.review, member=tree.village_a1, content="述职内容")
    PeerScore.objects.create(review=w.review, rater=tree.village_a2, ratee=tree.village_a1,
                             score=90)
    w.menu_item = ServiceMenuItem.objects.create(alliance=core, title="义诊进村",
                                                 proposed_by_org=tree.village_a1)
    ServiceVote.objects.create(item=w.menu_item, voter=admin)
    Need.objects.create(village_org=tree.village_a1, kind=NeedKind.MICRO_WISH, title="新书包",
                        description="儿童书包", deadline=TODAY + 30 * DAY)
    MentorPair.objects.create(alliance=core, mentor=people.a1, mentee=people.a2,
                              started_on=FOUNDED)
    w.expert = Expert.objects.create(alliance=core, person=people.unit, specialties="茶叶种植")
    DevelopmentQuota.objects.create(alliance=core, year=TODAY.year, places=3)
    DevelopmentCandidate.objects.create(alliance=core, person=people.a2,
                                        branch=tree.village_a2, recommended_by=tree.village_a2,
                                        year=TODAY.year, reason="表现突出",
                                        recommended_on=TODAY)
    return w


# Growing the world to county size, with the ORM only (no services).

VILLAGES, UNITS, ALLIANCES, PEOPLE, USERS = 60, 20, 30, 120, 20


def grow(w):
    """County-like data around and inside the world's pages: every list the pages show gets
    longer, every page's own object gets more rows of every kind."""
    tree = w.tree
    orgs = list(bulk_orgs(
        [(f"v{i}", tree.town_a, f"新村{i:02d}", "village", {}) for i in range(VILLAGES)]
        + [(f"u{i}", tree.county, f"县直单位{i:02d}", "unit", {}) for i in range(UNITS)]
    ).values())
    villages = orgs[:VILLAGES]
    people = list(bulk_people(**{f"p{i}": {"name": f"党员{i:03d}", "home_org": orgs[i % len(orgs)]}
                                 for i in range(PEOPLE)}).values())
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"county_user{i}", password=password_hash())
        for i in range(USERS))
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"新片区联盟{i:02d}", kind=AllianceKind.AREA, type=(w.red, w.green,
                 w.blue)[i % 3], owner=tree.town_a if i % 4 else tree.town_b,
                 parent=w.core if i % 4 else w.other_core, founded=FOUNDED,
                 leader=people[i], lead_org=villages[i], is_demonstration=i % 9 == 0)
        for i in range(ALLIANCES))
    every = [w.core, w.area_1, w.area_2, w.other_core, *alliances]
    Membership.objects.bulk_create(
        [Membership(alliance=w.core, org=org, joined_on=FOUNDED) for org in orgs]
        + [Membership(alliance=a, org=villages[(i + k) % VILLAGES], joined_on=FOUNDED)
           for i, a in enumerate(alliances) for k in range(4)])
    projects = Project.objects.bulk_create(
        Project(alliance=a, member=villages[k % VILLAGES] if k % 2 else None,
                name=f"项目{k:03d}", goal="目标", start_date=FOUNDED,
                end_date=TODAY + (k - 20) * DAY, status=("planned", "ongoing", "done")[k % 3],
                owner=people[k % PEOPLE], secretary_led=k % 5 == 0,
                secretary=w.persons.a1 if k % 5 == 0 else None)
        for a in every for k in range(40 if a == w.core else 6))
    updates = ProjectUpdate.objects.bulk_create(
        ProjectUpdate(project=p, year=year, quarter=quarter, progress=25 * quarter, note="进展")
        for p in projects for year in (FOUNDED.year, FOUNDED.year + 1)
        for quarter in (1, 2, 3, 4)
        if (year, quarter) != (FOUNDED.year, 2) or p != w.project)
    ProjectUpdate.objects.bulk_create(
        ProjectUpdate(project=w.project, year=FOUNDED.year - 1 - k, quarter=q, progress=10,
                      note="往年进展") for k in range(5) for q in (1, 2, 3, 4))
    quarters, quarter = [], THIS_QUARTER
    for _ in range(8):
        quarters.append(quarter)
        quarter = rules.previous_quarter(*quarter)
    StarRating.objects.bulk_create(
        StarRating(alliance=a, year=year, quarter=q, stars=1 + (i + q + n) % 5,
                   source=StarSource.MANUAL, reason="季度评定", rated_by=w.admin)
        for i, a in enumerate(every) for year, q in quarters for n in range(2))
    venues = [w.venue, *Venue.objects.bulk_create(
        Venue(alliance=a, org=villages[i], name=f"{villages[i].name}党群服务中心")
        for i, a in enumerate([w.core] * 10 + alliances))]
    first = w.booking.start + DAY  # after the small world's booking: no overlap
    Booking.objects.bulk_create(
        Booking(venue=venue, org=villages[k % VILLAGES], purpose="活动", booked_by=w.admin,
                start=first + k * datetime.timedelta(hours=3) + (k // 4) * DAY,
                end=first + k * datetime.timedelta(hours=3) + (k // 4) * DAY
                + datetime.timedelta(hours=1))
        for venue in venues for k in range(1, 40 if venue == w.venue else 8))
    rounds = [w.round, *InspectionRound.objects.bulk_create(
        InspectionRound(owner=tree.town_a, title=f"第{k}轮交叉检查", seed=k,
                        due=TODAY + k * DAY) for k in range(2, 12))]
    inspections = Inspection.objects.bulk_create(
        Inspection(round=r, inspector=alliances[k], inspected=alliances[(k + 1) % ALLIANCES],
                   inspected_on=TODAY, findings="发现问题", score=85)
        for r in rounds for k in range(ALLIANCES))
    Rectification.objects.bulk_create(
        Rectification(inspection=i, item=f"整改事项{k}", deadline=TODAY + k * DAY,
                      closed_at=NOW if k % 2 else None)
        for i in [w.inspection, *inspections] for k in range(12 if i == w.inspection else 2))
    competitions = [w.competition, w.published, *Competition.objects.bulk_create(
        Competition(owner=tree.town_a, title=f"往年擂台赛{k}", year=TODAY.year - 1 - k // 2,
                    half=1 + k % 2, held_on=TODAY - (200 + 180 * k) * DAY,
                    status=CompetitionStatus.PUBLISHED, published_at=NOW)
        for k in range(12))]
    for competition in competitions:
        criteria = list(competition.criteria.all()) or Criterion.objects.bulk_create(
            Criterion(competition=competition, name=f"评分项{k}", weight=25, order=k)
            for k in range(4))
        criteria += Criterion.objects.bulk_create(
            Criterion(competition=competition, name=f"附加项{k}", weight=0, order=10 + k)
            for k in range(3))
        judges = list(competition.judges.all()) + Judge.objects.bulk_create(
            Judge(competition=competition, user=u) for u in users[:8])
        entrants = list(competition.entrants.all()) + Entrant.objects.bulk_create(
            Entrant(competition=competition, alliance=a, topic="打擂主题")
            for a in alliances[:20])
        JudgeScore.objects.bulk_create(
            (JudgeScore(judge=j, entrant=e, criterion=c, score=70 + (j.pk + e.pk) % 30)
             for j in judges for e in entrants for c in criteria),
            ignore_conflicts=True)
    meetings = Meeting.objects.bulk_create(
        Meeting(alliance=a, title=f"例会{k}", starts_at=NOW + (k - 10) * DAY, place="村部",
                host_org=villages[k % VILLAGES],
                status="held" if k < 10 else "planned", minutes="纪要" if k < 10 else "")
        for a in every for k in range(30 if a == w.core else 4))
    Attendee = Meeting.attendees.through
    Attendee.objects.bulk_create(
        [Attendee(meeting=w.meeting, person=p) for p in people]
        + [Attendee(meeting=m, person=people[(m.pk + k) % PEOPLE])
           for m in meetings for k in range(6)])
    photo = w.photo.file.name
    MeetingPhoto.objects.bulk_create(
        MeetingPhoto(meeting=m, file=photo, caption=f"照片{k}")
        for m in [w.meeting, *meetings[:40]] for k in range(20 if m == w.meeting else 3))
    reviews = [w.review, *AnnualReview.objects.bulk_create(
        AnnualReview(alliance=w.core, year=TODAY.year - k) for k in range(1, 6))]
    MemberReport.objects.bulk_create(
        MemberReport(review=r, member=org, content="述职") for r in reviews
        for org in villages[:30])
    PeerScore.objects.bulk_create(
        PeerScore(review=r, rater=rater, ratee=ratee, score=80)
        for r in reviews for rater in villages[:12] for ratee in [w.village_a1, *villages[:12]]
        if rater != ratee)
    items = ServiceMenuItem.objects.bulk_create(
        ServiceMenuItem(alliance=a, title=f"服务{k}", proposed_by_org=villages[k % VILLAGES],
                        provider=orgs[VILLAGES + k % UNITS] if k % 2 else None,
                        status=("open", "committed", "scheduled", "done")[k % 4],
                        planned_date=TODAY + k * DAY, vote_count=USERS)
        for a in every for k in range(30 if a == w.core else 3))
    ServiceVote.objects.bulk_create(ServiceVote(item=item, voter=u)
                                    for item in [w.menu_item, *items] for u in users)
    Need.objects.bulk_create(
        Need(village_org=villages[k % VILLAGES] if k % 3 else w.village_a1,
             kind=NeedKind.MICRO_WISH if k % 2 else NeedKind.NEED, title=f"心愿{k}",
             description="内容", deadline=TODAY + k * DAY) for k in range(80))
    MentorPair.objects.bulk_create(
        MentorPair(alliance=a, mentor=people[k], mentee=people[k + 1], started_on=FOUNDED,
                   ended_on=TODAY if k % 4 == 0 else None)
        for a in every for k in range(0, 40 if a == w.core else 4, 2))
    Expert.objects.bulk_create(
        Expert(alliance=a, person=people[k], specialties="种植、电商", active=k % 5 != 0)
        for a in every for k in range(40 if a == w.core else 3))
    DevelopmentQuota.objects.bulk_create(
        DevelopmentQuota(alliance=a, year=year, places=5) for a in every
        for year in range(TODAY.year - 4, TODAY.year + 1) if (a, year) != (w.core, TODAY.year))
    DevelopmentCandidate.objects.bulk_create(
        DevelopmentCandidate(alliance=a, person=people[k], branch=people[k].home_org,
                             recommended_by=villages[k % VILLAGES], year=TODAY.year - k % 3,
                             stage=("recommended", "training", "quota_granted")[k % 3],
                             reason="推荐", recommended_on=TODAY - k * DAY)
        for a in every for k in range(40 if a == w.core else 3))
    return {"orgs": len(orgs), "alliances": len(every), "projects": len(projects),
            "updates": len(updates), "meetings": len(meetings), "inspections": len(inspections)}


# Measuring.

def visit_of(name, world):
    provided = PROVIDERS[name](world)
    return provided if isinstance(provided, Visit) else Visit(provided)


def count_queries(client, name, world):
    """(queries, status) of a GET of route `name`, after a warm-up request (caches filled)."""
    visit = visit_of(name, world)
    url, params = reverse(f"{NAMESPACE}:{name}", args=visit.args or None), visit.params
    client.force_login(getattr(world, visit.as_user))
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured), response.status_code


def measure(client, routes, world):
    return {name: count_queries(client, name, world) for name in sorted(routes)}


def table(small, grown):
    lines = [f"{'route':<28}{'small':>8}{'grown':>8}"]
    for name in small:
        (before, status_before), (after, status_after) = small[name], grown[name]
        flag = "" if before == after and status_before == status_after == 200 else "  <--"
        statuses = "" if status_before == status_after == 200 else \
            f"  (HTTP {status_before} / {status_after})"
        lines.append(f"{name:<28}{before:>8}{after:>8}{statuses}{flag}")
    return "\n".join(lines)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_every_alliance_page_keeps_its_query_count_at_county_scale(
        tree, people, county_admin, village_secretary, unit_contact, client, media_root):
    routes = get_routes()
    missing = sorted(routes - PROVIDERS.keys())
    assert not missing, ("alliance routes with no argument provider in PROVIDERS of "
                         f"tests/alliances/test_page_query_counts.py: {missing}")
    world = build_small_world(tree, people, county_admin, village_secretary, unit_contact)
    small = measure(client, routes, world)
    sizes = grow(world)
    grown = measure(client, routes, world)
    changed = [name for name in small
               if small[name][0] != grown[name][0] or {small[name][1], grown[name][1]} != {200}]
    assert not changed, (f"query counts changed or pages failed after growing the data "
                         f"({sizes}): {changed}\n{table(small, grown)}")
