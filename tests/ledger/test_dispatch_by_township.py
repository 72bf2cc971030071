"""The all-townships monthly dispatch (每月调度) grouped by township in SQL: the same figures as
summing each township's per-village dispatch, and the same queries for 2 townships or 250."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation
from ledger.summaries import SUMMED, dispatch_summary
from pairing.models import Claim, ClaimStatus, Need
from portal.models import Organization
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory, add_org

FIGURES = ("villages", *SUMMED, "talents", "silent_names")


def activity(org, day, people=(), status=ActivityStatus.SUBMITTED):
    row = Activity.objects.create(org=org, date=day, title="活动", content="内容", status=status,
                                  theme=ActivityTheme.objects.get(code="serve_masses"))
    Participation.objects.bulk_create(Participation(activity=row, person=p) for p in people)
    return row


def need(village, deadline, claims=(), places=2):
    row = Need.objects.create(village_org=village, title="需求", description="-",
                              deadline=deadline, places=places)
    for user, status in claims:
        Claim.objects.create(need=row, claimant=user, status=status)
    return row


@pytest.fixture
def county(tree, people, today, talent, unit_contact):
    """Four townships: 青山镇 and 白水乡 of the tree, 红岩镇 with a closed village a talent
    served this month and a community (not a village) with activities, 空白乡 without villages.
    One talent serves villages of three townships; needs open, overdue, fully confirmed and
    closed-village ones; claims waiting; silent villages in three townships."""
    town_c = add_org(tree.county, "红岩镇", OrgKind.TOWNSHIP)
    add_org(tree.county, "空白乡", OrgKind.TOWNSHIP)
    c1 = add_org(town_c, "红岩村", OrgKind.VILLAGE)
    add_org(town_c, "石门村", OrgKind.VILLAGE)  # silent
    closed = add_org(town_c, "旧村", OrgKind.VILLAGE)
    community = add_org(town_c, "红岩社区", OrgKind.COMMUNITY)
    b3 = add_org(tree.town_b, "新塘村", OrgKind.VILLAGE)
    roving = PersonFactory(home_org=tree.unit, is_city_talent=True, name="周巡回")
    local = PersonFactory(home_org=tree.unit, is_city_talent=True, name="吴驻村")
    first, past = today.replace(day=1), today - datetime.timedelta(days=1)
    activity(tree.village_a1, first, [people.a1, people.unit, roving])
    activity(tree.village_a1, first, [people.unit])
    activity(tree.village_a2, first, [people.a2, roving], status=ActivityStatus.DRAFT)
    activity(tree.village_b1, first, [people.b1, people.unit, roving])
    activity(b3, first, [roving], status=ActivityStatus.CONFIRMED)
    activity(tree.village_b2, first - datetime.timedelta(days=10), [people.b1])  # last month
    activity(c1, first, [local])
    activity(closed, first, [roving, local])  # closed below: its talents still count
    activity(community, first, [local, people.unit])  # not a village
    need(tree.village_a1, past, [(talent, ClaimStatus.DONE)])  # open, overdue, waiting
    need(tree.village_a1, today + datetime.timedelta(days=5))  # open
    need(tree.village_a2, past, [(talent, ClaimStatus.CONFIRMED),
                                 (unit_contact, ClaimStatus.CONFIRMED)])  # open, all confirmed
    need(tree.village_b2, past, [(talent, ClaimStatus.CONFIRMED)])  # open, overdue
    need(c1, past, [(talent, ClaimStatus.DONE), (unit_contact, ClaimStatus.DONE)], places=3)
    need(closed, past, [(talent, ClaimStatus.DONE)])  # a closed village's: not counted
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    return townships(tree.county)


@pytest.fixture
def month_today(today):
    return today.year, today.month, today


def townships(county):
    return list(Organization.objects.filter(path__startswith=county.path,
                                            kind=OrgKind.TOWNSHIP).order_by("path"))


def per_village_sums(townships, year, month, today):
    """Each township's row as the per-village dispatch of that township adds it up."""
    return {t.pk: dispatch_summary([t], year, month, single=t, today=today).total
            for t in townships}


def talents_who_took_part(townships, year, month):
    """Distinct city talents in counted activities of the townships' villages, from the raw
    participations (not the tallies)."""
    first = datetime.date(year, month, 1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    under = [t.path for t in townships]
    return len({p for path in under for p in Participation.objects.filter(
        activity__org__path__startswith=path, activity__org__kind=OrgKind.VILLAGE,
        activity__status__in=(ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED),
        activity__date__gte=first, activity__date__lt=following,
        person__is_city_talent=True).values_list("person_id", flat=True)})


def assert_same_as_per_village(summary, townships, year, month, today):
    expected = per_village_sums(townships, year, month, today)
    assert [row.org_id for row in summary.rows] == [t.pk for t in townships]
    for row in summary.rows:
        for figure in FIGURES:
            assert getattr(row, figure) == getattr(expected[row.org_id], figure), \
                (row.label, figure)
    for figure in FIGURES:
        if figure != "talents":
            summed = [getattr(expected[t.pk], figure) for t in townships]
            assert getattr(summary.total, figure) == (
                [name for names in summed for name in names] if figure == "silent_names"
                else sum(summed)), figure
    assert summary.total.talents == talents_who_took_part(townships, year, month)


def test_townships_grouped_in_sql_add_up_as_their_villages(county, month_today):
    year, month, today = month_today
    summary = dispatch_summary(county, year, month, today=today)
    assert_same_as_per_village(summary, county, year, month, today)
    rows = {row.label: row for row in summary.rows}
    assert list(rows) == ["青山镇", "白水乡", "红岩镇", "空白乡"]
    qs, bs, hy, empty = rows.values()
    assert (qs.villages, qs.activities, qs.participations, qs.talents) == (2, 2, 4, 2)
    assert (qs.needs_open, qs.needs_overdue, qs.claims_waiting) == (3, 1, 1)
    assert (bs.villages, bs.activities, bs.talents, bs.needs_overdue) == (3, 2, 2, 1)
    # The closed village is not a row, its needs do not count, but its talents do.
    assert (hy.villages, hy.activities, hy.talents) == (2, 1, 2)
    assert (hy.needs_open, hy.needs_overdue, hy.claims_waiting) == (1, 1, 2)
    assert (empty.villages, empty.activities, empty.silent_names) == (0, 0, [])
    assert [row.silent_names for row in summary.rows] == [["石桥村"], ["柳林村"], ["石门村"], []]
    assert summary.silent_villages == [("青山镇", "石桥村"), ("白水乡", "柳林村"),
                                       ("红岩镇", "石门村")]
    # 陈农业, 周巡回 and 吴驻村: 周巡回 served three townships and counts once in the total.
    assert (summary.total.talents, summary.total.villages, summary.total.silent) == (3, 7, 3)


def test_a_subset_of_townships_counts_only_theirs(county, month_today):
    year, month, today = month_today
    chosen = county[1:3]
    summary = dispatch_summary(chosen, year, month, today=today)
    assert_same_as_per_village(summary, chosen, year, month, today)
    assert (summary.total.talents, summary.total.activities) == (3, 3)


def test_another_month(county, month_today):
    year, month, today = month_today
    last = (datetime.date(year, month, 1) - datetime.timedelta(days=1))
    summary = dispatch_summary(county, last.year, last.month, today=today)
    assert_same_as_per_village(summary, county, last.year, last.month, today)
    assert summary.total.activities == 1 and summary.total.silent == 6


def test_no_townships():
    summary = dispatch_summary([], 2026, 3)
    assert summary.rows == [] and summary.total.villages == 0


def _queries(townships, year, month, today):
    with CaptureQueriesContext(connection) as ctx:
        dispatch_summary(townships, year, month, today=today)
    return [q["sql"] for q in ctx.captured_queries]


def test_queries_name_townships_not_villages(county, month_today, tree, people):
    """The same queries for 2 townships as for 6 with more villages; and for the same
    townships, the very same SQL however many villages they hold (no village ids in it)."""
    year, month, today = month_today
    two = _queries(county[:2], year, month, today)
    before = _queries(county, year, month, today)
    for i in range(6):
        town = county[i % 3]
        village = add_org(town, f"加村{i}", OrgKind.VILLAGE)
        activity(village, today.replace(day=1), [people.unit])
        need(village, today - datetime.timedelta(days=1))
    assert _queries(county, year, month, today) == before
    for name in ("东风乡", "西岭镇"):
        add_org(add_org(tree.county, name, OrgKind.TOWNSHIP), f"{name}村", OrgKind.VILLAGE)
    many = _queries(townships(tree.county), year, month, today)
    assert len(two) == len(before) == len(many)


def test_the_seeded_demo_county_agrees(small_county, db):
    """On the seeded demo county (thousands of activities): every township's figures equal
    its per-village dispatch, for the demo's month and the one before."""
    from pairing.demo import REFERENCE_DATE

    county = Organization.objects.get(kind=OrgKind.COUNTY)
    listed = [t for t in townships(county) if t.is_active]
    for first in (REFERENCE_DATE.replace(day=1),
                  (REFERENCE_DATE.replace(day=1) - datetime.timedelta(days=1))):
        summary = dispatch_summary(listed, first.year, first.month, today=REFERENCE_DATE)
        assert_same_as_per_village(summary, listed, first.year, first.month, REFERENCE_DATE)
        assert summary.total.activities > 0 and summary.total.talents > 0
