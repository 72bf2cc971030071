"""The organization metrics (assessment.metrics.orgs): hand-built cases with the expected
value and source ids, windows, statuses, time zones, and query counts that do not grow with
the cohort.

The period is 2026 Q1 ([1 Jan, 1 Apr)) unless a test says otherwise; the units' metrics run on
县农业农村局 (`unit`, whole quarter), 县教育局 (`unit2`, February only), 县卫健委 (`unit3`,
only drafts, returned activities and unpaired contacts) and 县司法局 (`unit4`, nothing).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.metrics import METRICS, Cohort, Member
from assessment.metrics.orgs import REPORT_DUE_DAY
from assessment.models import TalentEvaluation, TargetKind
from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    Participation,
    ReportStatus,
    RequestStatus,
    ResidentRequest,
    TownshipReport,
)
from pairing.models import AgreementStatus, AnnualAgreement, JointMeeting, Pairing, PairingStatus
from portal.models import Organization
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory, add_org

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
Q1 = (datetime.date(2026, 1, 1), datetime.date(2026, 4, 1))
FEBRUARY = (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
SUBMITTED, CONFIRMED = ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED
DRAFT, RETURNED = ActivityStatus.DRAFT, ActivityStatus.RETURNED


def day(month, d=10, year=2026):
    return datetime.date(year, month, d)


def local(month, d, hour=12, year=2026):
    """An instant given in Beijing time (settings.TIME_ZONE)."""
    return datetime.datetime(year, month, d, hour, tzinfo=LOCAL)


def cohort(*members):
    """A cohort of (org, (start, end)) members."""
    return Cohort(members=[Member(org.pk, *window) for org, window in members],
                  ids=Organization.objects.filter(pk__in=[org.pk for org, _ in members])
                  .values("pk"))


def compute(code, *members):
    return METRICS[code].compute(cohort(*members))


def measured(result, org):
    measure = result[org.pk]
    return measure.value, measure.ids


def activity(org, date, status=CONFIRMED, pairing=None, people=()):
    created = Activity.objects.create(
        org=org, date=date, status=status, pairing=pairing, title="活动", content="内容",
        theme=ActivityTheme.objects.get(code="serve_masses"))
    for person in people:
        Participation.objects.create(activity=created, person=person)
    return created.pk


def pair(city, village, status=PairingStatus.ACTIVE):
    return Pairing.objects.create(city_org=city, village_org=village, status=status,
                                  since=datetime.date(2025, 1, 1))


@pytest.fixture
def orgs(tree):
    units = {key: add_org(tree.county, name, OrgKind.UNIT) for key, name in
             [("unit2", "县教育局"), ("unit3", "县卫健委"), ("unit4", "县司法局")]}
    return SimpleNamespace(**vars(tree), **units, **{
        "p1": pair(tree.unit, tree.village_a1),
        "p2": pair(tree.unit, tree.village_a2),
        "p3": pair(units["unit2"], tree.village_b1),
        "p_ended": pair(units["unit2"], tree.village_b2, PairingStatus.ENDED),
        "p3_ended": pair(units["unit3"], tree.village_b2, PairingStatus.ENDED),
    })


def unit_members(o):
    return [(o.unit, Q1), (o.unit2, FEBRUARY), (o.unit3, Q1), (o.unit4, Q1)]


@pytest.fixture
def activities(orgs):
    o = orgs
    staff = PersonFactory(home_org=o.unit, is_city_talent=True)
    staff2 = PersonFactory(home_org=o.unit2, is_city_talent=True)
    staff3 = PersonFactory(home_org=o.unit3, is_city_talent=True)
    return SimpleNamespace(
        # 县农业农村局: one link each month, three ways.
        by_pairing=activity(o.village_a1, day(1), SUBMITTED, o.p1),
        own=activity(o.unit, day(2)),
        talents=activity(o.village_a2, day(3, 5), people=[staff]),
        # Linked both by its pairing and by the unit's talent: one activity, once.
        both=activity(o.village_a1, day(3, 20), pairing=o.p1, people=[staff]),
        before=activity(o.village_a1, day(12, 31, year=2025), pairing=o.p1),
        after=activity(o.unit, day(4, 1)),
        # 县教育局, assessed in February only: its January link is outside its window.
        unit2_january=activity(o.unit2, day(1, 15)),
        unit2_february=activity(o.village_b1, day(2, 5), pairing=o.p3),
        unit2_march=activity(o.village_b1, day(3, 5), people=[staff2]),
        # 县卫健委: drafts and returned entries, a talent at a village whose pairing ended, a
        # talent at a village it is not paired with.
        drafts=[activity(o.unit3, day(1), DRAFT), activity(o.unit3, day(2), RETURNED),
                activity(o.village_a1, day(2), DRAFT, o.p1, people=[staff3])],
        unpaired=[activity(o.village_b2, day(3), people=[staff3]),
                  activity(o.village_a1, day(3, 12), people=[staff3])],
    )


# --- Units ------------------------------------------------------------------------------------

def test_unit_contact_months(orgs, activities):
    o, a = orgs, activities
    result = compute("unit_contact_months", *unit_members(o))
    assert measured(result, o.unit) == (3, sorted([a.by_pairing, a.own, a.talents, a.both]))
    assert measured(result, o.unit2) == (1, [a.unit2_february])
    assert measured(result, o.unit3) == (0, [])
    assert measured(result, o.unit4) == (0, [])
    # A draft linked by pairing counts once it is submitted.
    Activity.objects.filter(pk=a.drafts[2]).update(status=SUBMITTED)
    result = compute("unit_contact_months", *unit_members(o))
    assert measured(result, o.unit) == (3, sorted([a.by_pairing, a.own, a.talents, a.both,
                                                   a.drafts[2]]))
    assert measured(result, o.unit3) == (0, [])  # its talent was there, but it is not paired


def test_unit_ledger_months_counts_only_the_units_own_counted_activities(orgs, activities):
    o, a = orgs, activities
    extra = activity(o.unit, day(2, 20), SUBMITTED)  # the same month again: still one month
    result = compute("unit_ledger_months", *unit_members(o))
    assert measured(result, o.unit) == (1, sorted([a.own, extra]))
    assert measured(result, o.unit2) == (0, [])  # its only own activity is in January
    assert measured(result, o.unit3) == (0, [])
    assert measured(result, o.unit4) == (0, [])


def agreement(pairing, status, *, year=2026, version=1, filed_at=None, confirmed_at=None,
              supersedes=None):
    return AnnualAgreement.objects.create(
        pairing=pairing, year=year, version=version, status=status, filed_at=filed_at,
        village_submitted_at=confirmed_at, unit_submitted_at=confirmed_at,
        supersedes=supersedes, terms="条款").pk


@pytest.fixture
def agreements(orgs):
    o, filed, submitted = orgs, AgreementStatus.FILED, AgreementStatus.SUBMITTED
    p1_v1 = agreement(o.p1, filed, filed_at=local(2, 10), confirmed_at=local(1, 20))
    return SimpleNamespace(
        p1_v1=p1_v1,
        p1_v2=agreement(o.p1, AgreementStatus.DRAFT, version=2,
                        supersedes=AnnualAgreement.objects.get(pk=p1_v1)),
        p1_last_year=agreement(o.p1, filed, year=2025, filed_at=local(3, 1, year=2025),
                               confirmed_at=local(2, 1, year=2025)),
        # Filed at 04:00 on 1 April in Beijing (still 31 March in UTC): after the quarter.
        p2=agreement(o.p2, filed, filed_at=local(4, 1, hour=4), confirmed_at=local(4, 1, 4)),
        p3=agreement(o.p3, filed, filed_at=local(3, 5), confirmed_at=local(2, 3)),
        ended=agreement(o.p_ended, submitted, confirmed_at=local(1, 5)),
        returned=agreement(o.p3_ended, AgreementStatus.RETURNED),
    )


def test_agreement_filed(orgs, agreements):
    o, g = orgs, agreements
    result = compute("agreement_filed", *unit_members(o))
    assert measured(result, o.unit) == (1, [g.p1_v1])
    assert measured(result, o.unit2) == (0, [])  # filed in March, after its window
    assert measured(result, o.unit4) == (0, [])
    result = compute("agreement_filed", (o.unit2, Q1), (o.unit4, Q1))
    assert measured(result, o.unit2) == (1, [g.p3])


def test_agreement_filed_counts_pairings_and_keeps_every_filed_version(orgs):
    o = orgs
    v1 = agreement(o.p1, AgreementStatus.FILED, filed_at=local(1, 10))
    v2 = agreement(o.p1, AgreementStatus.FILED, version=2, filed_at=local(3, 10),
                   supersedes=AnnualAgreement.objects.get(pk=v1))
    result = compute("agreement_filed", (o.unit, Q1))
    assert measured(result, o.unit) == (1, [v1, v2])


def test_joint_meetings(orgs):
    o = orgs

    def meeting(pairing, date, year=2026, half=1):
        return JointMeeting.objects.create(pairing=pairing, year=year, half=half, date=date,
                                           place="村党群服务中心", attendees="双方代表",
                                           topics="共建项目").pk

    in_quarter = meeting(o.p1, day(3, 10))
    meeting(o.p1, day(11, 10, year=2025), year=2025, half=2)
    meeting(o.p2, day(4, 15))
    unit2_february = meeting(o.p3, day(2, 5))
    meeting(o.p_ended, day(1, 15))  # 县教育局's, before its window
    result = compute("joint_meetings", *unit_members(o))
    assert measured(result, o.unit) == (1, [in_quarter])
    assert measured(result, o.unit2) == (1, [unit2_february])
    assert measured(result, o.unit4) == (0, [])


# --- Villages ---------------------------------------------------------------------------------

def village_members(o):
    return [(o.village_a1, Q1), (o.village_a2, Q1), (o.village_b1, FEBRUARY),
            (o.village_b2, Q1)]


def test_requests_judged_same_day(orgs):
    o = orgs

    def request(village, date, judged_at=None, status=RequestStatus.JUDGED):
        return ResidentRequest.objects.create(
            village_org=village, date=date, judged_at=judged_at, category="livelihood",
            content="修路", status=status if judged_at else RequestStatus.PENDING).pk

    same_day = request(o.village_a1, day(1), local(1, 10, hour=23))
    request(o.village_a1, day(1, 11), local(1, 12, hour=1))  # 17:00 UTC on the 11th: next day
    request(o.village_a1, day(2, 2), local(2, 3))
    request(o.village_a1, day(3, 5))  # not judged
    request(o.village_a1, day(4, 1), local(4, 1))
    request(o.village_a1, day(12, 31, year=2025), local(12, 31, year=2025))
    published = request(o.village_a2, day(3, 5), local(3, 5), RequestStatus.PUBLISHED)
    request(o.village_b1, day(1, 15), local(1, 15))  # before 白水村's window
    february = request(o.village_b1, day(2, 10), local(2, 10, hour=8))
    result = compute("requests_judged_same_day", *village_members(o))
    assert measured(result, o.village_a1) == (1, [same_day])
    assert measured(result, o.village_a2) == (1, [published])
    assert measured(result, o.village_b1) == (1, [february])
    assert measured(result, o.village_b2) == (0, [])


def test_lists_published(orgs, agreements):
    o, g = orgs, agreements
    result = compute("lists_published", *village_members(o))
    assert measured(result, o.village_a1) == (1, [g.p1_v1])
    assert measured(result, o.village_a2) == (0, [])  # confirmed on 1 April, Beijing time
    assert measured(result, o.village_b1) == (1, [g.p3])  # confirmed 3 February
    assert measured(result, o.village_b2) == (0, [])  # its pairings ended
    result = compute("lists_published", (o.village_b1, (day(1, 1), day(2, 1))))
    assert measured(result, o.village_b1) == (0, [])  # confirmed after its January window


def test_lists_published_counts_a_submitted_agreement(orgs):
    o = orgs
    submitted = agreement(o.p2, AgreementStatus.SUBMITTED, confirmed_at=local(3, 31, hour=23))
    agreement(o.p1, AgreementStatus.RETURNED)
    result = compute("lists_published", (o.village_a1, Q1), (o.village_a2, Q1))
    assert measured(result, o.village_a1) == (0, [])
    assert measured(result, o.village_a2) == (1, [submitted])


def evaluation(village, person, year, quarter):
    return TalentEvaluation.objects.create(village=village, person=person, year=year,
                                           quarter=quarter, rating=5).pk


def test_evaluations_sent(orgs):
    o = orgs
    talents = [PersonFactory(home_org=o.unit, is_city_talent=True) for _ in range(2)]
    a1 = [evaluation(o.village_a1, p, 2026, 1) for p in talents]
    evaluation(o.village_a1, talents[0], 2025, 4)
    evaluation(o.village_a1, talents[0], 2026, 2)
    b1 = evaluation(o.village_b1, talents[1], 2026, 1)
    evaluation(o.village_b2, talents[1], 2025, 1)
    result = compute("evaluations_sent", *village_members(o))
    assert measured(result, o.village_a1) == (2, sorted(a1))
    assert measured(result, o.village_b1) == (1, [b1])
    assert measured(result, o.village_a2) == (0, [])
    assert measured(result, o.village_b2) == (0, [])


def test_evaluations_sent_keeps_the_quarters_of_each_window(orgs):
    o = orgs
    talent = PersonFactory(home_org=o.unit, is_city_talent=True)
    q1 = evaluation(o.village_a1, talent, 2026, 1)
    evaluation(o.village_a1, talent, 2026, 2)
    q2 = evaluation(o.village_a2, talent, 2026, 2)
    evaluation(o.village_a2, talent, 2026, 1)
    result = compute("evaluations_sent", (o.village_a1, (day(3, 1), day(4, 1))),
                     (o.village_a2, (day(4, 1), day(5, 1))))
    assert measured(result, o.village_a1) == (1, [q1])
    assert measured(result, o.village_a2) == (1, [q2])


# --- Townships --------------------------------------------------------------------------------

Q2 = (datetime.date(2026, 4, 1), datetime.date(2026, 7, 1))


def report(township, status, submitted_at, year=2026, half=1):
    return TownshipReport.objects.create(township=township, year=year, half=half,
                                         status=status, submitted_at=submitted_at).pk


def test_reports_on_time(tree):
    town_c = add_org(tree.county, "红岩镇", OrgKind.TOWNSHIP)
    town_d = add_org(tree.county, "龙潭镇", OrgKind.TOWNSHIP)
    town_e = add_org(tree.county, "金沙镇", OrgKind.TOWNSHIP)
    on_time = report(tree.town_a, ReportStatus.FILED, local(7, REPORT_DUE_DAY, hour=23))
    report(tree.town_a, ReportStatus.FILED, local(1, 5), year=2025, half=2)
    report(tree.town_b, ReportStatus.SUBMITTED, local(7, REPORT_DUE_DAY + 1, hour=0))
    report(town_c, ReportStatus.RETURNED, local(7, 5))
    report(town_d, ReportStatus.SUBMITTED, local(7, 5))
    members = [(tree.town_a, Q2), (tree.town_b, Q2), (town_c, Q2),
               (town_d, (day(4, 1), day(6, 1))), (town_e, Q2)]
    result = compute("reports_on_time", *members)
    assert measured(result, tree.town_a) == (1, [on_time])
    assert measured(result, tree.town_b) == (0, [])  # 00:00 on the 11th
    assert measured(result, town_c) == (0, [])  # returned
    assert measured(result, town_d) == (0, [])  # June, the half's end, is outside its window
    assert measured(result, town_e) == (0, [])
    # No half-year ends in the first quarter.
    result = compute("reports_on_time", (tree.town_a, Q1), (tree.town_b, Q1))
    assert {m.value for m in result.values()} == {Decimal(0)}


def test_every_org_metric_is_registered_for_its_target_kind():
    kinds = {code: METRICS[code].target_kind for code in QUERIES}
    assert kinds == {
        "unit_contact_months": TargetKind.UNIT, "agreement_filed": TargetKind.UNIT,
        "joint_meetings": TargetKind.UNIT, "unit_ledger_months": TargetKind.UNIT,
        "requests_judged_same_day": TargetKind.VILLAGE, "lists_published": TargetKind.VILLAGE,
        "evaluations_sent": TargetKind.VILLAGE, "reports_on_time": TargetKind.TOWNSHIP,
    }
    assert all(METRICS[code].source and "004" in METRICS[code].basis for code in QUERIES)


# --- Query counts ------------------------------------------------------------------------------

# Queries over a quarter: one per month, or one for the whole period.
QUERIES = {"unit_contact_months": 3, "joint_meetings": 3, "unit_ledger_months": 3,
           "requests_judged_same_day": 3, "agreement_filed": 1, "lists_published": 1,
           "evaluations_sent": 1, "reports_on_time": 1}


def many_targets(tree, kind, n):
    """`n` orgs of `kind`, each with a row for every metric of its kind."""
    parent = tree.town_a if kind == OrgKind.VILLAGE else tree.county
    orgs = [add_org(parent, f"组织{n}-{i}", kind) for i in range(n)]
    for i, org in enumerate(orgs):
        if kind == OrgKind.UNIT:
            pairing = pair(org, tree.village_a1)
            staff = PersonFactory(home_org=org)
            activity(tree.village_a1, day(1 + i % 3), pairing=pairing, people=[staff])
            activity(org, day(2))
            JointMeeting.objects.create(pairing=pairing, year=2026, half=1, date=day(3),
                                        place="村部", attendees="双方", topics="共建")
            agreement(pairing, AgreementStatus.FILED, filed_at=local(2, 1))
        elif kind == OrgKind.VILLAGE:
            pairing = pair(tree.unit, org)
            agreement(pairing, AgreementStatus.SUBMITTED, confirmed_at=local(2, 1))
            ResidentRequest.objects.create(village_org=org, date=day(1), judged_at=local(1, 10),
                                           category="other", content="诉求")
            evaluation(org, PersonFactory(home_org=tree.unit), 2026, 1)
        else:
            report(org, ReportStatus.SUBMITTED, local(7, 1))
    return orgs


@pytest.mark.parametrize("code", QUERIES)
def test_query_count_does_not_grow_with_the_cohort(tree, code):
    kind = {TargetKind.UNIT: OrgKind.UNIT, TargetKind.VILLAGE: OrgKind.VILLAGE,
            TargetKind.TOWNSHIP: OrgKind.TOWNSHIP}[METRICS[code].target_kind]
    period = Q2 if kind == OrgKind.TOWNSHIP else Q1
    counts = []
    for n in (2, 10):
        targets = many_targets(tree, kind, n)
        members = cohort(*[(org, period) for org in targets])
        with CaptureQueriesContext(connection) as queries:
            result = METRICS[code].compute(members)
        counts.append(len(queries))
        assert all(result[org.pk].value >= 1 for org in targets)  # every target had rows
    assert counts == [QUERIES[code]] * 2
