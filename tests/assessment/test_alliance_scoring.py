"""Alliances as assessment targets (issue 10 §4, 动态评星): the cohort of a county's alliances
with their windows, the four alliance metrics (value and source ids, one query each), the
default alliance table, a quarter scored and published writing the stars, a re-scored quarter
re-rating, and the pages and reports naming the alliances.

The quarter is 2026 Q1 ([1 Jan, 1 Apr)). Beside the four alliances of `alliances_world`
(founded 2025), 茶产业任务联盟 is founded on 15 Feb 2026 and 防汛任务联盟 closes on 10 Feb 2026.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances import stars as star_rules
from alliances.models import (
    Alliance,
    AllianceKind,
    Meeting,
    MeetingStatus,
    Membership,
    ServiceMenuItem,
    StarRating,
    StarSource,
)
from alliances.services.stars import set_stars
from assessment.cohorts import cohort_for, target_field
from assessment.metrics import METRICS
from assessment.models import Indicator, QuarterScore, ScoreItem, TargetKind
from assessment.reports import ranking_tables
from assessment.services.appeals import accept_appeal, file_appeal
from assessment.services.entries import record_entry
from assessment.services.schemes import create_default_scheme, default_tables
from assessment.services.scoring import publish_run, score_quarter
from ledger.models import Activity, ActivityStatus, ActivityTheme
from pairing.models import Claim, ClaimStatus, Need, NeedKind
from tests.alliances.conftest import build_alliances_world
from tests.factories import UserFactory, add_org, grant, password_hash

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2026
Q1 = (datetime.date(YEAR, 1, 1), datetime.date(YEAR, 4, 1))
CONFIRMED, SUBMITTED = ActivityStatus.CONFIRMED, ActivityStatus.SUBMITTED


def day(month, d):
    return datetime.date(YEAR, month, d)


def local(month, d, hour=10, minute=0, year=YEAR):
    return datetime.datetime(year, month, d, hour, minute, tzinfo=LOCAL)


def activity(alliance, when, *, status=CONFIRMED, theme="serve_masses", menu_item=None,
             org=None):
    return Activity.objects.create(
        org=org or alliance.lead_org or alliance.owner, date=when, alliance=alliance,
        menu_item=menu_item, status=status, theme=ActivityTheme.objects.get(code=theme),
        title="联盟活动", content="内容").pk


def meeting(alliance, starts_at, status=MeetingStatus.HELD, title="联盟例会"):
    return Meeting.objects.create(alliance=alliance, title=title, starts_at=starts_at,
                                  place="村部", status=status).pk


def wish(village, confirmed_at, *, kind=NeedKind.MICRO_WISH, status=ClaimStatus.CONFIRMED):
    need = Need.objects.create(village_org=village, kind=kind, title="微心愿", description="心愿",
                               deadline=day(12, 31))
    return Claim.objects.create(need=need, claimant=UserFactory(), status=status,
                                confirmed_at=confirmed_at).pk


def build_world(tree, county_admin):
    w = build_alliances_world(tree)
    body = add_org(tree.county, "县委组织部", "unit", code="U0091")
    assessor = get_user_model().objects.create(username="alliance_assessor",
                                               password=password_hash())
    grant(assessor, body, "assessor")
    task = Alliance.objects.create(
        name="茶产业任务联盟", kind=AllianceKind.TASK, type=w.green, owner=tree.town_a,
        founded=day(2, 15), purpose="茶叶产业链", lead_org=tree.village_a2)
    closed = Alliance.objects.create(
        name="防汛任务联盟", kind=AllianceKind.TASK, type=w.blue, owner=tree.town_b,
        founded=datetime.date(2025, 6, 1), closed_at=day(2, 10), lead_org=tree.village_b1)
    gone = Alliance.objects.create(
        name="旧任务联盟", kind=AllianceKind.TASK, type=w.blue, owner=tree.town_b,
        founded=datetime.date(2025, 1, 1), closed_at=datetime.date(2025, 12, 31))
    other_county = add_org(None, "邻县", "county", code="C0099")
    elsewhere = Alliance.objects.create(
        name="邻县全域党建联盟", kind=AllianceKind.CORE, type=w.red, owner=other_county,
        founded=datetime.date(2025, 1, 1))
    scheme = create_default_scheme(actor=county_admin, year=YEAR, assessing_body=body,
                                   target_kind=TargetKind.ALLIANCE)
    return SimpleNamespace(**vars(w), body=body, assessor=assessor, task=task, closed=closed,
                           gone=gone, elsewhere=elsewhere, scheme=scheme)


@pytest.fixture
def world(tree, county_admin):
    return build_world(tree, county_admin)


def measure(code, world, alliance):
    result = METRICS[code].compute(cohort_for(world.scheme, *Q1))
    return result[alliance.pk].value, result[alliance.pk].ids


# ---------------------------------------------------------------- cohort


def test_cohort_is_the_countys_alliances_while_they_exist(world):
    cohort = cohort_for(world.scheme, *Q1)
    windows = {m.target_id: (m.start, m.end) for m in cohort.members}
    assert windows == {
        world.core.pk: Q1, world.area_1.pk: Q1, world.area_2.pk: Q1, world.other_core.pk: Q1,
        world.task.pk: (day(2, 15), Q1[1]),            # founded mid-quarter
        world.closed.pk: (Q1[0], day(2, 11)),          # its closing day counts
    }
    assert world.gone.pk not in windows and world.elsewhere.pk not in windows
    assert set(Alliance.objects.filter(pk__in=cohort.ids).values_list("pk", flat=True)) \
        == set(windows)
    assert target_field(world.scheme) == "alliance_id"


def test_an_alliance_founded_after_the_quarter_is_not_assessed(world):
    q1_scheme_cohort = cohort_for(world.scheme, datetime.date(YEAR, 1, 1), day(2, 15))
    assert world.task.pk not in {m.target_id for m in q1_scheme_cohort.members}


# ---------------------------------------------------------------- metrics


def test_activities_count_counted_statuses_inside_each_window(world, tree):
    core = [activity(world.core, day(1, 10)), activity(world.core, day(3, 5), status=SUBMITTED)]
    activity(world.core, day(2, 2), status=ActivityStatus.DRAFT)
    activity(world.core, day(2, 3), status=ActivityStatus.RETURNED)
    activity(world.core, datetime.date(2025, 12, 30))                 # before the quarter
    activity(world.core, day(4, 1))                                   # after it
    task = activity(world.task, day(3, 1))
    activity(world.task, day(2, 1))                                   # before its founding
    closed = activity(world.closed, day(2, 10))                       # the closing day
    activity(world.closed, day(2, 20))                                # after closing
    assert measure("alliance_activities", world, world.core) == (Decimal(2), sorted(core))
    assert measure("alliance_activities", world, world.task) == (Decimal(1), [task])
    assert measure("alliance_activities", world, world.closed) == (Decimal(1), [closed])
    assert measure("alliance_activities", world, world.area_1) == (Decimal(0), [])


def test_charity_months_count_direct_and_menu_linked_activities(world, tree):
    item = ServiceMenuItem.objects.create(alliance=world.core, title="义诊")
    january = [activity(world.core, day(1, 10), theme="monthly_charity"),
               activity(world.core, day(1, 20), theme="monthly_charity")]
    march = Activity.objects.create(
        org=tree.village_a1, date=day(3, 3), menu_item=item, status=CONFIRMED,
        theme=ActivityTheme.objects.get(code="monthly_charity"), title="义诊", content="-").pk
    activity(world.core, day(2, 10))                                  # another theme
    activity(world.area_1, day(2, 10), theme="monthly_charity", status=ActivityStatus.DRAFT)
    activity(world.task, day(2, 10), theme="monthly_charity")         # before its founding
    value, ids = measure("alliance_charity_months", world, world.core)
    assert value == Decimal(2)                                        # January and March
    assert ids == sorted([*january, march])
    assert measure("alliance_charity_months", world, world.area_1) == (Decimal(0), [])
    assert measure("alliance_charity_months", world, world.task) == (Decimal(0), [])


def test_meetings_held_are_counted_by_local_day(world):
    held = [meeting(world.core, local(2, 1)),
            meeting(world.core, local(3, 31, 23, 30))]               # 15:30 UTC, still Q1
    meeting(world.core, local(4, 1, 0, 30))                           # 31 Mar 16:30 UTC: Q2
    meeting(world.core, local(3, 1), status=MeetingStatus.PLANNED)
    meeting(world.core, local(3, 2), status=MeetingStatus.CANCELLED)
    meeting(world.closed, local(2, 12))                               # after closing
    assert measure("alliance_meetings_held", world, world.core) == (Decimal(2), sorted(held))
    assert measure("alliance_meetings_held", world, world.closed) == (Decimal(0), [])


def test_wishes_count_the_villages_that_were_members_on_the_day(world, tree):
    a1 = wish(tree.village_a1, local(2, 5))             # member of core and area_1
    wish(tree.village_a1, local(2, 6), kind=NeedKind.NEED)
    wish(tree.village_a1, local(2, 7), status=ClaimStatus.DONE)
    wish(tree.village_a1, local(4, 1, 0, 30))           # Q2 in Beijing time
    Membership.objects.create(alliance=world.task, org=tree.village_b1, joined_on=day(3, 1))
    before_joining = wish(tree.village_b1, local(2, 20))
    after_joining = wish(tree.village_b1, local(3, 5))
    Membership.objects.filter(alliance=world.other_core, org=tree.village_b2).update(
        left_on=day(1, 31))
    on_leaving_day = wish(tree.village_b2, local(1, 31))
    wish(tree.village_b2, local(2, 5))                   # after it left
    assert measure("alliance_wishes_fulfilled", world, world.core) == (Decimal(1), [a1])
    assert measure("alliance_wishes_fulfilled", world, world.area_1) == (Decimal(1), [a1])
    assert measure("alliance_wishes_fulfilled", world, world.area_2) == (Decimal(0), [])
    assert measure("alliance_wishes_fulfilled", world, world.task) == (Decimal(1),
                                                                       [after_joining])
    assert measure("alliance_wishes_fulfilled", world, world.other_core) == (
        Decimal(3), sorted([before_joining, after_joining, on_leaving_day]))


@pytest.mark.parametrize("code", ["alliance_activities", "alliance_charity_months",
                                  "alliance_meetings_held", "alliance_wishes_fulfilled"])
def test_each_metric_is_one_query_whatever_the_cohort(world, tree, code):
    for n in range(5):
        extra = Alliance.objects.create(name=f"片区{n}", kind=AllianceKind.AREA, type=world.red,
                                        owner=tree.town_a, parent=world.core,
                                        founded=datetime.date(2025, 1, 1))
        activity(extra, day(1, 5 + n), theme="monthly_charity")
        meeting(extra, local(2, 5 + n))
    cohort = cohort_for(world.scheme, *Q1)
    with CaptureQueriesContext(connection) as queries:
        METRICS[code].compute(cohort)
    assert len(queries) == 1
    assert METRICS[code].target_kind == TargetKind.ALLIANCE
    assert "003" in METRICS[code].basis


def test_the_default_alliance_table_maps_to_the_star_thresholds():
    table = default_tables()["alliance"]
    quarterly = [i for i in table["indicators"] if i["period"] == "quarter"]
    assert sum(Decimal(i["max_points"]) for i in quarterly if i["kind"] == "auto") == 100
    assert {i["metric"] for i in quarterly if i["kind"] == "auto"} == {
        "alliance_activities", "alliance_charity_months", "alliance_meetings_held",
        "alliance_wishes_fulfilled"}
    # A full quarter earns five stars under the default thresholds, an empty one one star.
    assert star_rules.stars_for(100, star_rules.DEFAULT_THRESHOLDS) == 5
    assert star_rules.stars_for(0, star_rules.DEFAULT_THRESHOLDS) == 1


# ---------------------------------------------------------------- scoring and stars


@pytest.fixture
def scored(world, tree):
    """Core: 4 activities (2 of them 一月一公益, in Jan and Mar) 24 + 2 charity months 20 +
    2 meetings 15 + 1 micro-wish 8 = 67. The others score nothing."""
    activity(world.core, day(1, 10))
    activity(world.core, day(2, 10))
    activity(world.core, day(1, 15), theme="monthly_charity")
    activity(world.core, day(3, 15), theme="monthly_charity")
    meeting(world.core, local(1, 20))
    meeting(world.core, local(2, 20))
    wish(tree.village_a1, local(2, 5))
    world.run = score_quarter(world.scheme, 1)
    return world


def latest_stars(alliance, quarter=1):
    return (StarRating.objects.filter(alliance=alliance, year=YEAR, quarter=quarter)
            .order_by("-rated_at", "-id").first())


def test_scoring_alone_writes_no_stars(scored):
    core = QuarterScore.objects.get(run=scored.run, alliance=scored.core)
    assert core.total == Decimal("67.00")
    assert core.rank == 1 and scored.run.cohort_size == 6
    assert not StarRating.objects.exists()


def test_publishing_writes_each_alliances_stars_from_its_score(scored, settings):
    settings.ALLIANCE_STAR_THRESHOLDS = ((80, 5), (65, 4), (40, 3), (10, 2))
    publish_run(scored.run, actor=scored.assessor)
    ratings = {r.alliance_id: r for r in StarRating.objects.filter(year=YEAR, quarter=1)}
    scores = {s.alliance_id: s.total for s in QuarterScore.objects.filter(run=scored.run)}
    assert set(ratings) == set(scores)
    for alliance_id, rating in ratings.items():
        assert rating.source == StarSource.SCORE
        assert rating.score == scores[alliance_id]
        assert rating.stars == star_rules.stars_for(scores[alliance_id],
                                                    settings.ALLIANCE_STAR_THRESHOLDS)
    assert ratings[scored.core.pk].stars == 4                        # 67 ≥ 65
    assert ratings[scored.task.pk].stars == 1
    assert "67.00" in ratings[scored.core.pk].reason


def test_a_re_scored_quarter_re_rates_and_keeps_the_history(scored, tree):
    publish_run(scored.run, actor=scored.assessor)
    assert latest_stars(scored.core).stars == 2                      # 67 under the defaults
    leader = get_user_model().objects.create(username="core_leader", password=password_hash())
    scored.people.core_leader.user = leader
    scored.people.core_leader.save(update_fields=["user"])
    score = QuarterScore.objects.get(run=scored.run, alliance=scored.core)
    appeal = file_appeal(score, actor=leader, reason="三月例会未计入")
    meeting(scored.core, local(3, 20))                               # 3 meetings: 20 points
    for when in (day(3, 1), day(3, 2)):                               # 6 activities: 30
        activity(scored.core, when)
    wish(tree.village_a2, local(3, 3))
    wish(tree.village_a2, local(3, 4))                               # 3 wishes: 15
    accept_appeal(appeal, actor=scored.assessor, decision="补计三月例会")
    assert StarRating.objects.filter(alliance=scored.core).count() == 1  # drafts rate nothing
    publish_run(scored.run, actor=scored.assessor)
    history = list(StarRating.objects.filter(alliance=scored.core).order_by("rated_at", "id"))
    assert [(r.score, r.stars) for r in history] == [(Decimal("67.00"), 2),
                                                       (Decimal("85.00"), 4)]
    # The alliances whose score did not change keep their one rating.
    assert StarRating.objects.filter(alliance=scored.area_1).count() == 1


def test_entered_deductions_count_for_alliances(scored, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deduction = Indicator.objects.get(scheme=scored.scheme, code="deduction")
    record_entry(deduction, scored.core, actor=scored.assessor, quarter=1, points=Decimal(7),
                 reason="交叉检查问题未整改",
                 evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf"))
    run = score_quarter(scored.scheme, 1)
    core = QuarterScore.objects.get(run=run, alliance=scored.core)
    assert core.total == Decimal("60.00")
    assert ScoreItem.objects.get(score=core, indicator=deduction).points == Decimal(-7)
    publish_run(run, actor=scored.assessor)
    assert latest_stars(scored.core).stars == 2                      # exactly 60


def test_a_scored_year_refuses_manual_stars_and_another_year_takes_them(scored, county_admin):
    """The scheme's year is rated by its published quarters only; a year without an alliance
    scheme is rated by county staff with a reason (动态评星)."""
    publish_run(scored.run, actor=scored.assessor)
    with pytest.raises(ValidationError) as refused:
        set_stars(scored.core, YEAR, 2, 3, actor=county_admin, reason="想改")
    assert refused.value.error_dict["stars"][0].code == "scored"
    assert "按季度得分评定" in refused.value.messages[0]
    assert not StarRating.objects.filter(alliance=scored.core, year=YEAR, quarter=2).exists()
    rating = set_stars(scored.core, YEAR - 1, 4, 3, actor=county_admin, reason="无考核方案的年度")
    assert rating.source == StarSource.MANUAL
    assert latest_stars(scored.core).source == StarSource.SCORE


# ---------------------------------------------------------------- pages and reports


def test_run_page_lists_the_alliances_with_their_townships(scored, login):
    client = login(scored.assessor)
    response = client.get(reverse("assessment:run_detail", args=[scored.run.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("青山镇全域党建联盟", "茶产业任务联盟", "防汛任务联盟", "白水乡"):
        assert name in text
    assert "动态评星" in text
    searched = client.get(reverse("assessment:run_detail", args=[scored.run.pk]), {"q": "白水"})
    shown = {row["score"].alliance_id for row in searched.context["rows"]}
    assert shown == {scored.other_core.pk, scored.closed.pk}


def test_score_pages_follow_the_alliances_township(scored, login, township_admin):
    publish_run(scored.run, actor=scored.assessor)
    client = login(township_admin)                                    # 青山镇
    core = QuarterScore.objects.get(run=scored.run, alliance=scored.core)
    other = QuarterScore.objects.get(run=scored.run, alliance=scored.other_core)
    response = client.get(reverse("assessment:score_detail", args=[core.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "青山镇全域党建联盟" in text and "联盟例会" in text       # the meetings behind it
    assert client.get(reverse("assessment:score_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("assessment:run_detail", args=[scored.run.pk])).status_code == 404


def test_the_leader_reads_their_alliances_published_score_only(scored, login):
    leader = get_user_model().objects.create(username="core_leader", password=password_hash())
    scored.people.core_leader.user = leader
    scored.people.core_leader.save(update_fields=["user"])
    core = QuarterScore.objects.get(run=scored.run, alliance=scored.core)
    other = QuarterScore.objects.get(run=scored.run, alliance=scored.area_2)
    client = login(leader)
    url = reverse("assessment:score_detail", args=[core.pk])
    assert client.get(url).status_code == 404                         # a draft
    publish_run(scored.run, actor=scored.assessor)
    assert client.get(url).status_code == 200
    assert client.get(reverse("assessment:score_detail", args=[other.pk])).status_code == 404


def test_entry_grid_lists_the_alliances_of_the_quarter(scored, login):
    client = login(scored.assessor)
    response = client.get(reverse("assessment:entry_grid", args=[scored.scheme.pk]),
                          {"period": "1"})
    assert response.status_code == 200
    names = {row["target"].name for row in response.context["rows"]}
    assert names == {"青山镇全域党建联盟", "青山片区红色引领联盟", "石桥片区绿色发展联盟",
                     "白水乡全域党建联盟", "茶产业任务联盟", "防汛任务联盟"}


def test_ranking_report_names_alliances_and_their_townships(scored):
    table = ranking_tables([scored.run])[0]
    assert table.headers()[:3] == ["排名", "党建联盟", "所属乡镇"]
    first = table.rows[0]
    assert (first.rank, first.name, first.unit, first.total) == (
        1, "青山镇全域党建联盟", "青山镇", Decimal("67.00"))
    assert {row.unit for row in table.rows} == {"青山镇", "白水乡"}
