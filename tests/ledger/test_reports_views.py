"""The monthly dispatch page (figures, silent villages, scope, bounded queries) and the
half-year report pages (writing, submitting, filing, the county's list of missing reports)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    Participation,
    ReportStatus,
    TownshipReport,
)
from ledger.services import reports as services
from pairing.models import Claim, ClaimStatus, Need
from tests.factories import PersonFactory, add_org


@pytest.fixture
def month(today):
    return today.year, today.month


def activity(org, day, people=(), status=ActivityStatus.SUBMITTED):
    row = Activity.objects.create(org=org, date=day, title="活动", content="内容", status=status,
                                  theme=ActivityTheme.objects.get(code="serve_masses"))
    for person in people:
        Participation.objects.create(activity=row, person=person)
    return row


def need(village, deadline, claims=()):
    row = Need.objects.create(village_org=village, title="需求", description="-",
                              deadline=deadline, places=2)
    for user, status in claims:
        Claim.objects.create(need=row, claimant=user, status=status)
    return row


@pytest.fixture
def dispatch_data(tree, people, today, talent, unit_contact):
    day = today.replace(day=1)
    activity(tree.village_a1, day, [people.a1, people.unit])
    activity(tree.village_a1, day, [people.unit])
    activity(tree.village_a2, day, [people.a2], status=ActivityStatus.DRAFT)  # not counted
    activity(tree.village_b1, day, [people.b1, people.unit])
    activity(tree.village_a2, day - datetime.timedelta(days=40))  # another month
    past = today - datetime.timedelta(days=1)
    need(tree.village_a1, past, [(talent, ClaimStatus.DONE)])  # open, overdue, waiting
    need(tree.village_a1, today + datetime.timedelta(days=5))  # open
    need(tree.village_a2, past, [(talent, ClaimStatus.CONFIRMED),
                                 (unit_contact, ClaimStatus.CONFIRMED)])  # all confirmed


def test_township_dispatch_per_village(login, township_admin, tree, month, dispatch_data):
    response = login(township_admin).get(reverse("ledger:dispatch"))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.township == tree.town_a and (summary.year, summary.month) == month
    rows = {row.label: row for row in summary.rows}
    assert list(rows) == ["青山村", "石桥村"]
    a1, a2 = rows["青山村"], rows["石桥村"]
    assert (a1.activities, a1.participations, a1.talents) == (2, 3, 1)
    assert (a1.needs_open, a1.needs_overdue, a1.claims_waiting) == (2, 1, 1)
    assert (a2.activities, a2.needs_open, a2.needs_overdue) == (0, 1, 0)
    assert a2.silent and not a1.silent
    assert summary.silent_villages == [("青山镇", "石桥村")]
    assert summary.total.talents == 1 and summary.total.activities == 2
    body = response.content.decode()
    assert 'class="table-danger"' in body and "本月未开展活动的村（1个）" in body
    # The township admin cannot look at another township: the choice is refused.
    other = login(township_admin).get(reverse("ledger:dispatch"),
                                      {"township": tree.town_b.pk})
    assert other.context["summary"].township == tree.town_a
    assert "白水村" not in other.content.decode()


def test_county_sees_all_townships_or_one(login, county_admin, tree, month, dispatch_data):
    client = login(county_admin)
    summary = client.get(reverse("ledger:dispatch")).context["summary"]
    assert summary.township is None
    rows = {row.label: row for row in summary.rows}
    assert list(rows) == ["青山镇", "白水乡"]
    assert (rows["青山镇"].villages, rows["青山镇"].activities, rows["青山镇"].talents) == (2, 2, 1)
    assert rows["青山镇"].silent_names == ["石桥村"]
    assert rows["白水乡"].silent_names == ["柳林村"] and rows["白水乡"].talents == 1
    # The unit's talent served in both townships: once per township, once in the total.
    assert summary.total.talents == 1 and summary.total.silent == 2
    one = client.get(reverse("ledger:dispatch"), {"township": tree.town_b.pk,
                                                  "month": f"{month[0]}-{month[1]:02d}"})
    assert [row.label for row in one.context["summary"].rows] == ["白水村", "柳林村"]
    printed = client.get(reverse("ledger:dispatch"), {"township": tree.town_b.pk, "print": 1})
    assert printed.status_code == 200
    body = printed.content.decode()
    assert "白水乡" in body and "调度表" in body and "navbar" not in body


def test_dispatch_figures_come_from_the_monthly_tallies(login, county_admin, tree, month,
                                                         dispatch_data):
    """Activities, participations and talents are read from the tallies (ledger/tallies.py),
    not by joining activities to participations county-wide (1.9 s at city scale)."""
    client = login(county_admin)
    with CaptureQueriesContext(connection) as queries:
        summary = client.get(reverse("ledger:dispatch")).context["summary"]
    raw = [q["sql"] for q in queries.captured_queries
           if '"ledger_activity"' in q["sql"] or '"ledger_participation"' in q["sql"]]
    assert raw == []
    assert (summary.total.activities, summary.total.participations) == (3, 5)


def test_a_talent_of_a_closed_village_still_counts(login, county_admin, tree, month, today):
    """A village closed after the month's activities has no row, but its talents count."""
    talent_person = PersonFactory(home_org=tree.unit, is_city_talent=True)
    activity(tree.village_a1, today.replace(day=1), [talent_person])
    tree.village_a1.is_active = False
    tree.village_a1.save(update_fields=["is_active"])
    summary = login(county_admin).get(reverse("ledger:dispatch")).context["summary"]
    rows = {row.label: row for row in summary.rows}
    assert (rows["青山镇"].talents, summary.total.talents) == (1, 1)
    assert (rows["青山镇"].villages, rows["青山镇"].activities) == (1, 0)


@pytest.mark.parametrize("params", [{"month": "2026-13"}, {"month": "x"}, {"month": "2999-01"},
                                    {"township": "abc"}])
def test_dispatch_bad_input_is_ignored(login, county_admin, params, tree):
    response = login(county_admin).get(reverse("ledger:dispatch"), params)
    assert response.status_code == 200 and response.context["form"].errors


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["township_admin", "county_admin", "leader"])
def test_dispatch_queries_do_not_grow(persona, request, client, tree, today, talent):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("ledger:dispatch")
    pages = [{}, {"township": tree.town_a.pk}, {"print": 1}]
    client.get(url)

    def seed(count):
        for i in range(count):
            town = tree.town_a if i % 2 else tree.town_b
            village = add_org(town, f"新村{town.pk}-{i}", "village")
            person = PersonFactory(home_org=village)
            talent_person = PersonFactory(home_org=tree.unit, is_city_talent=True)
            if i % 3:
                activity(village, today.replace(day=1), [person, talent_person])
            need(village, today - datetime.timedelta(days=1), [(talent, ClaimStatus.DONE)])

    seed(2)
    small = [_count(client, url, params) for params in pages]
    seed(30)
    large = [_count(client, url, params) for params in pages]
    assert small == large


def test_report_list_shows_who_has_not_submitted(login, county_admin, township_admin, tree,
                                                 today):
    year, half = services.previous_half(*services.current_half(today))
    services.do_submit_report(tree.town_a, year, half, actor=township_admin, summary="a",
                              problems="b", next_steps="c")
    response = login(county_admin).get(reverse("ledger:report_list"),
                                       {"year": year, "half": half})
    rows = {row["township"].name: row for row in response.context["rows"]}
    assert not rows["青山镇"]["missing"] and rows["白水乡"]["missing"]
    assert response.context["not_submitted"] == 1
    body = response.content.decode()
    assert "未提交 1 个" in body
    assert reverse("ledger:report_write", args=[tree.town_a.pk, year, half]) not in body
    own = login(township_admin).get(reverse("ledger:report_list"),
                                    {"year": year, "half": half})
    assert [row["township"] for row in own.context["rows"]] == [tree.town_a]
    assert login(township_admin).get(reverse("ledger:report_list"),
                                     {"year": "abc"}).status_code == 200


def test_report_list_half_year_over_htmx(login, county_admin, township_admin, tree, today):
    year, half = services.previous_half(*services.current_half(today))
    services.do_submit_report(tree.town_a, year, half, actor=township_admin, summary="a",
                              problems="b", next_steps="c")
    client = login(county_admin)
    url = reverse("ledger:report_list")
    response = client.get(url, {"year": year, "half": half}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="report-tables"' in body
    assert services.half_label(year, half) in body and "未提交 1 个" in body
    # The history lists every report whatever the half year chosen.
    other = client.get(url, {"year": year - 1, "half": half})
    assert [r.township for r in other.context["page"]] == [tree.town_a]
    assert all(row["missing"] for row in other.context["rows"])


def test_write_save_submit_file_through_the_pages(login, township_admin, county_admin, tree,
                                                  today, people):
    year, half = services.current_half(today)
    activity(tree.village_a1, today.replace(day=1), [people.a1])
    url = reverse("ledger:report_write", args=[tree.town_a.pk, year, half])
    client = login(township_admin)
    page = client.get(url)
    assert page.status_code == 200 and page.context["figures"]["activities"] == 1
    half_name = "上半年" if half == 1 else "下半年"
    assert f"《青山镇{year}年{half_name}城乡党建统筹共建工作报告》" in page.content.decode()
    response = client.post(url, {"summary": "开展了活动", "save": "1"})
    report = TownshipReport.objects.get()
    assert response.status_code == 302 and report.status == ReportStatus.DRAFT
    response = client.post(url, {"summary": "开展了活动", "submit": "1"})
    assert response.status_code == 200 and "提交前请填写" in response.content.decode()
    response = client.post(url, {"summary": "开展了活动", "problems": "问题", "next_steps": "打算",
                                 "submit": "1"})
    report.refresh_from_db()
    assert response.status_code == 302 and report.status == ReportStatus.SUBMITTED
    assert client.get(url).status_code == 302  # submitted: not editable any more
    client = login(county_admin)
    detail = client.get(reverse("ledger:report_detail", args=[report.pk]))
    assert detail.context["can_file"] and "开展了活动" in detail.content.decode()
    client.post(reverse("ledger:report_file", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.FILED
    client = login(township_admin)
    assert client.post(url, {"summary": "改", "save": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.summary == "开展了活动"
    detail = client.get(reverse("ledger:report_detail", args=[report.pk]))
    assert not detail.context["can_write"] and "只读" in detail.content.decode()


def test_write_for_a_half_not_begun_goes_back(login, township_admin, tree, today):
    year, half = services.current_half(today)
    future = (year + 1, 1) if half == 2 else (year, 2)
    response = login(township_admin).get(
        reverse("ledger:report_write", args=[tree.town_a.pk, *future]))
    assert response.status_code == 302 and not TownshipReport.objects.exists()
    assert login(township_admin).get(
        reverse("ledger:report_write", args=[tree.town_a.pk, year, 3])).status_code == 404
