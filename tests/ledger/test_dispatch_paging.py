"""The all-townships monthly dispatch (每月调度) a page of townships at a time: the page's rows
are the very rows of the unpaged table, the total and the figure cards still cover every
township, silent villages are named for the page's townships only (a few per row, then a link
to the township's own dispatch), the print layout stays complete, and the queries do not grow
with the number of townships."""

import dataclasses
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.org_sections import dispatch_section
from ledger.summaries import dispatch_summary
from ledger.views import reports
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory, add_org
from tests.ledger import test_dispatch_by_township as by_township
from tests.ledger.test_dispatch_by_township import activity, need

county = by_township.county  # four townships, talents across three, silent villages in three

PER_PAGE = 2


@pytest.fixture
def paged(monkeypatch):
    """Two townships a page and three silent names a row, so the fixtures span pages."""
    monkeypatch.setattr(reports, "TOWNSHIPS_PER_PAGE", PER_PAGE)
    monkeypatch.setattr(reports, "SILENT_NAMES_PER_ROW", 3)


def as_dict(row):
    return dataclasses.asdict(row)


def total_without_names(summary):
    return {k: v for k, v in as_dict(summary.total).items() if k != "silent_names"}


@pytest.fixture
def month_today(today):
    return today.year, today.month, today


def test_shown_rows_are_the_unpaged_rows_and_the_total_covers_all(county, month_today):
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    expected_rows = {row.org_id: as_dict(row) for row in unpaged.rows}
    assert len(county) > PER_PAGE
    for first in range(0, len(county), PER_PAGE):
        shown = county[first:first + PER_PAGE]
        summary = dispatch_summary(county, year, month, today=today, shown=shown)
        assert [as_dict(row) for row in summary.rows] == [expected_rows[t.pk] for t in shown]
        assert total_without_names(summary) == total_without_names(unpaged)
        assert summary.total.silent == 3 and summary.total.talents == 3
        # Only the page's silent villages are named.
        assert summary.total.silent_names == [
            name for row in summary.rows for name in row.silent_names]


def test_silent_villages_are_looked_up_only_for_townships_that_have_them(county, month_today):
    """The names' query (every village's month tally set against a page of villages) is not
    run for a page whose townships have no silent village, and names only those that do."""
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    quiet = [t for t, row in zip(county, unpaged.rows, strict=True) if not row.silent]
    noisy = [t for t, row in zip(county, unpaged.rows, strict=True) if row.silent]
    assert quiet and noisy

    def names_queries(shown):
        with CaptureQueriesContext(connection) as ctx:
            summary = dispatch_summary(county, year, month, today=today, shown=shown)
        return summary, [q["sql"] for q in ctx.captured_queries
                         if '"portal_organization"."name" AS "name"' in q["sql"]]

    summary, queries = names_queries(quiet)
    assert queries == [] and summary.total.silent_names == []
    summary, queries = names_queries([quiet[0], noisy[0]])
    assert len(queries) == 1 and quiet[0].path not in queries[0]
    assert summary.rows[1].silent_names == unpaged.rows[county.index(noisy[0])].silent_names


def test_totals_only(county, month_today):
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    totals = dispatch_summary(county, year, month, today=today, shown=())
    assert totals.rows == [] and totals.total.silent_names == []
    assert total_without_names(totals) == total_without_names(unpaged)


def test_totals_without_people(county, month_today):
    """The org page's totals leave out participations and talents, and so never read the
    month's person tallies; every other figure is the whole table's."""
    year, month, today = month_today
    expected = total_without_names(dispatch_summary(county, year, month, today=today))
    with CaptureQueriesContext(connection) as ctx:
        totals = dispatch_summary(county, year, month, today=today, shown=(), people=False)
    assert not any("ledger_personmonthtally" in q["sql"] for q in ctx.captured_queries)
    assert (totals.total.participations, totals.total.talents) == (None, None)
    got = total_without_names(totals)
    assert {k: v for k, v in got.items() if k not in ("participations", "talents")} == {
        k: v for k, v in expected.items() if k not in ("participations", "talents")}
    assert expected["participations"] > 0 and expected["talents"] == 3


def test_the_page_shows_its_townships_and_the_total_of_all(login, county_admin, county,
                                                           month_today, paged):
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    client = login(county_admin)
    url = reverse("ledger:dispatch")
    seen = []
    for number in (1, 2):
        response = client.get(url, {"page": number})
        summary, page = response.context["summary"], response.context["page"]
        assert page.paginator.count == len(county) and page.number == number
        assert len(summary.rows) == PER_PAGE
        assert total_without_names(summary) == total_without_names(unpaged)
        seen += [as_dict(row) for row in summary.rows]
        body = response.content.decode()
        assert "全部乡镇合计（7个村）" in body and f"第 {number} / 2 页" in body
    assert seen == [as_dict(row) for row in unpaged.rows]
    second = client.get(url, {"page": 2}).content.decode()
    assert "红岩镇" in second and "石门村" in second and "石桥村" not in second


@pytest.fixture
def many_silent(tree, today):
    """青山镇 gets eight more villages, none with an activity this month."""
    return [add_org(tree.town_a, f"静村{i}", OrgKind.VILLAGE) for i in range(8)]


def test_silent_names_are_bounded_per_row_and_link_to_the_township(
        login, county_admin, tree, today, many_silent, paged):
    client = login(county_admin)
    response = client.get(reverse("ledger:dispatch"))
    body = response.content.decode()
    row = next(r for r in response.context["summary"].rows if r.org_id == tree.town_a.pk)
    assert row.silent == 10 and len(row.silent_names) == 10
    cell = re.search(r"<strong>10个：</strong>([^<]*)", body).group(1)
    assert cell.count("、") == 2  # three names, then a link
    month = f"{today.year}-{today.month:02d}"
    assert f"?month={month}&amp;township={tree.town_a.pk}\">查看全部</a>" in body
    # The alert gives the count; the names are in the table only.
    alert = re.search(r'id="silent-villages">(.*?)</div>', body, re.S).group(1)
    assert "本月未开展活动的村（12个）" in alert and "静村" not in alert
    # The print layout is the complete table with every name.
    printed = client.get(reverse("ledger:dispatch"), {"print": 1}).content.decode()
    assert all(village.name in printed for village in many_silent)
    assert "查看全部" not in printed and "本月未开展活动的村（12个）" in printed


def test_the_page_renders_a_page_of_rows(login, county_admin, tree, paged):
    for i in range(5):
        add_org(add_org(tree.county, f"新增乡{i}", OrgKind.TOWNSHIP), f"新增村{i}",
                OrgKind.VILLAGE)
    body = login(county_admin).get(reverse("ledger:dispatch")).content.decode()
    tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S).group(1)
    assert tbody.count("<tr") == PER_PAGE
    assert "第 1 / 4 页，共 7 条" in body


def _count(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("ledger:dispatch"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["county_admin", "leader"])
def test_queries_do_not_grow_with_townships(persona, request, client, tree, today, talent,
                                            paged):
    client.force_login(request.getfixturevalue(persona))
    pages = [{}, {"page": 2}, {"print": 1}]

    def seed(count):
        for i in range(count):
            town = add_org(tree.county, f"加乡{count}-{i}", OrgKind.TOWNSHIP)
            village = add_org(town, f"加村{count}-{i}", OrgKind.VILLAGE)
            add_org(town, f"静村{count}-{i}", OrgKind.VILLAGE)
            roving = PersonFactory(home_org=tree.unit, is_city_talent=True)
            activity(village, today.replace(day=1), [PersonFactory(home_org=village), roving])
            need(village, today - datetime.timedelta(days=1))

    client.get(reverse("ledger:dispatch"))
    seed(2)
    small = [_count(client, params) for params in pages]
    seed(12)
    large = [_count(client, params) for params in pages]
    assert small == large


def test_county_org_page_totals(rf, login, county_admin, county, month_today, tree):
    """The county's org page reads the dispatch totals only (no rows, no names): the same
    figures as the whole table's total."""
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    response = login(county_admin).get(reverse("portal:org_detail", args=[tree.county.pk]))
    assert response.status_code == 200 and "本月未开展" in response.content.decode()
    request = rf.get("/")
    request.user = county_admin
    section = dispatch_section(request, tree.county)
    figures = {label: value for label, value, *_ in section["figures"]}
    assert (figures["村"], figures["本月未开展"], figures["本月活动"]) == (
        unpaged.total.villages, unpaged.total.silent, unpaged.total.activities) == (7, 3, 5)
    assert (figures["发布中需求"], figures["待确认认领"]) == (
        unpaged.total.needs_open, unpaged.total.claims_waiting)
    assert section["silent"] == [] and section["silent_total"] == 3


def test_many_townships_are_picked_by_search(login, county_admin, county, tree, monkeypatch):
    """Past PICKER_THRESHOLD townships the township choice is a search field (250 options were
    most of the page's rendering time at city scale); a chosen township still filters."""
    from portal import widgets

    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)
    client = login(county_admin)
    body = client.get(reverse("ledger:dispatch")).content.decode()
    assert "data-picker-url" in body and "<select" not in body.split('id="dispatch-filter"')[1]
    chosen = client.get(reverse("ledger:dispatch"), {"township": tree.town_b.pk})
    assert chosen.context["summary"].township == tree.town_b
    assert 'value="白水乡"' in chosen.content.decode()
