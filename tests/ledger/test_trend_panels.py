"""Trend charts on the county admin's and the leader's home (issue 11 item 13): figures on a
hand-built year, agreement with the home tile, the compliance matrix and the pairing
statistics, the Excel holding the table's numbers, ECharts loaded once and only there, and a
constant number of queries when the data grows."""

import datetime
import io
import re
import subprocess
from html import unescape
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ledger import trend_panels
from ledger.compliance import org_matrix, period_for
from ledger.models import Activity
from pairing import trend_panels as pairing_trend_panels
from pairing.models import Claim, Need
from pairing.statistics import pairing_statistics
from portal.models import AuditEvent
from tests.factories import UserFactory, add_org
from tests.permission_matrix import PERSONAS

TODAY = timezone.localdate()
MONTH_START = TODAY.replace(day=1)
# A month of this year before this one (None in January): its figures are checked too.
EARLIER = datetime.date(TODAY.year, 1, 15) if TODAY.month > 1 else None
LAST_YEAR = datetime.date(TODAY.year - 1, 6, 1)
CHART_PANELS = {"trends_activities", "trends_townships", "trends_needs"}
ECHARTS = "vendor/echarts/echarts.min.js"


def _activity(org, day, theme, status="confirmed"):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status, title="活动",
                                   content="内容")


def _need(village, published, claims=()):
    """A need published at `published` (a date) with claims of the given statuses."""
    need = Need.objects.create(village_org=village, title="需求", description="内容",
                               deadline=TODAY + datetime.timedelta(days=30), places=5)
    moment = timezone.make_aware(datetime.datetime.combine(published, datetime.time(10)))
    Need.objects.filter(pk=need.pk).update(created_at=moment)
    for status in claims:
        Claim.objects.create(need=need, claimant=UserFactory(), status=status)
    return need


@pytest.fixture
def year(tree, theme):
    """This month: 青山村 2 counted + a draft + a returned, 石桥村 silent, 白水村 1 counted,
    柳林村 silent, the unit 1 counted (not a village). Earlier this year (from February on):
    青山村 and 石桥村 1 each. Last year: 柳林村 (outside the year). Needs: this month one
    claimed and confirmed, one claimed, one open; earlier one confirmed; last year one."""
    a1, a2, b1, b2 = tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2
    _activity(a1, TODAY, theme, "submitted")
    _activity(a1, MONTH_START, theme)
    _activity(a1, TODAY, theme, "draft")
    _activity(a1, TODAY, theme, "returned")
    _activity(b1, MONTH_START, theme)
    _activity(tree.unit, TODAY, theme, "submitted")
    _activity(b2, LAST_YEAR, theme)
    _need(a1, TODAY, ["confirmed", "claimed"])
    _need(a1, TODAY, ["done", "withdrawn"])
    _need(b1, TODAY, ["withdrawn"])
    _need(b2, LAST_YEAR, ["confirmed"])
    if EARLIER:
        _activity(a1, EARLIER, theme)
        _activity(a2, EARLIER, theme)
        _need(a2, EARLIER, ["confirmed"])


def _panels(response):
    return {shown.panel.key: shown.data for shown in response.context["panels"]}


def _month(values, month=TODAY.month):
    return values[month - 1]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_charts_are_on_the_county_admin_and_leader_homes_only(request, login, persona, year):
    response = login(request.getfixturevalue(persona)).get(reverse("portal:home"))
    html = response.content.decode()
    shown = set(_panels(response)) & CHART_PANELS
    if persona in ("county_admin", "leader"):
        assert shown == CHART_PANELS
        # The chart script once, deferred, naming ECharts for it to fetch (not a script tag).
        assert html.count(ECHARTS) == 1 and html.count("home-charts") == 1
        assert re.search(r'<script defer src="[^"]*home-charts[^"]*\.js" '
                         r'data-echarts="[^"]*echarts[^"]*\.js"></script>', html)
    else:
        assert shown == set()
        assert "echarts" not in html and "home-charts" not in html


def test_ledger_figures(tree, year, county_admin):
    trends = trend_panels.ledger_trends(county_admin)
    assert trends.year == TODAY.year and trends.villages == 4
    # 青山村 2, 白水村 1 and the unit 1 counted this month; 青山村 and 白水村 active.
    assert (_month(trends.activities), _month(trends.active)) == (4, 2)
    if EARLIER:
        assert (trends.activities[0], trends.active[0]) == (2, 2)
    assert trends.figure(trends.activities, TODAY.month) == 4
    if TODAY.month < 12:
        assert trends.figure(trends.activities, 12) is None
    table = trend_panels.villages_table(trends)
    assert table.rows[TODAY.month - 1] == [f"{TODAY.year}年{TODAY.month}月", 2, 4, 50.0]
    started = TODAY.month
    by_name = {t.name: t for t in trends.townships}
    # 青山镇: 青山村 active this month and in January, 石桥村 in January; 白水乡: 白水村 now.
    qingshan, baishui = by_name["青山镇"], by_name["白水乡"]
    assert (qingshan.villages, baishui.villages) == (2, 2)
    assert qingshan.activities == 2 + (2 if EARLIER else 0)
    assert qingshan.active_months == 1 + (2 if EARLIER else 0)
    assert (baishui.activities, baishui.active_months) == (1, 1)
    assert qingshan.silent(started) == 2 * started - qingshan.active_months
    assert qingshan.rate(started) == round(100 * qingshan.active_months / (2 * started), 1)
    # Ranked by rate, then activities: 青山镇 first either way.
    assert [t.name for t in trends.townships] == ["青山镇", "白水乡"]
    assert [t.rank for t in trends.townships] == [1, 2]


def test_equal_townships_share_a_rank(tree, county_admin):
    trends = trend_panels.ledger_trends(county_admin)
    assert [t.rank for t in trends.townships] == [1, 1]  # no activity anywhere: 0% both
    assert trend_panels.townships_table(trends).rows[0][5] == 0.0


def test_current_month_agrees_with_the_home_tile(login, tree, year, county_admin, leader):
    for user in (county_admin, leader):
        panels = _panels(login(user).get(reverse("portal:home")))
        tile = panels["ledger_county"]
        activities, villages = panels["trends_activities"]["charts"]
        row = activities.rows[TODAY.month - 1]
        assert row[1] == tile["activities"] == 4
        row = villages.rows[TODAY.month - 1]
        assert (row[1], row[2]) == (tile["villages"] - tile["silent"], tile["villages"])


def test_villages_agree_with_the_compliance_matrix(tree, year, county_admin):
    """Each started month: villages without a counted activity = the matrix's red cells; each
    township's silent village-months = its rows' 空白月数."""
    trends = trend_panels.ledger_trends(county_admin)
    matrix = org_matrix(county_admin, tree.county, period_for(TODAY.year))
    for index, started in enumerate(matrix.started):
        if started:
            assert trends.villages - trends.active[index] == matrix.column_silent[index]
            assert trends.villages == matrix.row_count
    silent = {group.label: sum(row.silent_months for row in group.rows)
              for group in matrix.groups}
    assert {t.name: t.silent(trends.started) for t in trends.townships} == silent
    village_totals = {group.label: group.total() for group in matrix.groups}
    assert {t.name: t.activities for t in trends.townships} == village_totals


def test_needs_agree_with_the_pairing_statistics(tree, year, county_admin, leader):
    for user in (county_admin, leader):
        trend = pairing_trend_panels.need_trend(user)
        total = pairing_statistics(user, TODAY.year).total
        assert (sum(trend.published), sum(trend.claimed), sum(trend.confirmed)) == (
            total.needs_published, total.needs_claimed, total.needs_confirmed)
    # This month: 3 published, 2 claimed (one claimed + confirmed, one done), 1 confirmed.
    assert (_month(trend.published), _month(trend.claimed), _month(trend.confirmed)) == (3, 2, 1)
    if EARLIER:
        assert (trend.published[0], trend.claimed[0], trend.confirmed[0]) == (1, 1, 1)


def test_a_township_admin_downloads_their_township_only(login, tree, year, township_admin):
    response = login(township_admin).get(reverse("ledger:trend_excel", args=["townships"]))
    rows = _sheet_rows(response)
    assert [row[1] for row in rows[1:]] == ["青山镇"]
    assert "范围：青山镇" in _title_row(response)


def _table_cells(html, key):
    """The cells of the data table `key` on the page, as text, header row first."""
    table = re.search(rf'<table[^>]*data-chart-table="{key}".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row and row[0] in ("月份", "排名"))
    return rows[header:]  # the title row and the note come before the header


def _title_row(response):
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return next(sheet.iter_rows(values_only=True))[0]


def _value(value):
    """A cell compared by what it says: a number (50 and "50.0" alike), text, or "—" (none)."""
    if value is None:
        return "—"
    try:
        return float(value)
    except ValueError:
        return value


EXCELS = [("ledger:trend_excel", ["activities"], "activities"),
          ("ledger:trend_excel", ["villages"], "villages"),
          ("ledger:trend_excel", ["townships"], "townships"),
          ("pairing:needs_trend_excel", [], "needs")]


@pytest.mark.parametrize(("url_name", "args", "key"), EXCELS)
def test_the_excel_holds_the_tables_numbers(login, tree, year, county_admin, url_name, args,
                                            key):
    client = login(county_admin)
    cells = _table_cells(client.get(reverse("portal:home")).content.decode(), key)
    response = client.get(reverse(url_name, args=args))
    rows = _sheet_rows(response)
    title = _title_row(response)
    assert f"{TODAY.year}年" in title and "范围：示范县" in title and "生成于" in title
    assert [[_value(v) for v in row] for row in rows] == [[_value(v) for v in row]
                                                          for row in cells]
    assert len(cells) > 1
    assert AuditEvent.objects.filter(action="export", actor=county_admin).count() == 1


def test_the_home_ranks_the_first_and_the_last_townships_and_the_excel_all(
        login, tree, year, county_admin, monkeypatch):
    """More townships than the home's ranking shows: its chart and table hold the first and
    the last half of it, with their ranks, and say so; the Excel holds every township."""
    monkeypatch.setattr(trend_panels, "RANKING_ON_HOME", 2)
    for n in range(3):
        add_org(tree.county, f"第{n}镇", "township")
    client = login(county_admin)
    page = client.get(reverse("portal:home")).content.decode()
    header, *cells = _table_cells(page, "townships")
    assert [row[1] for row in cells] == ["青山镇", "第2镇"]  # no villages: last
    assert [row[0] for row in cells] == ["1", "3"]  # ranks kept (the three new ones tie)
    assert "前1名和后1名" in page and "共5个乡镇" in page
    rows = _sheet_rows(client.get(reverse("ledger:trend_excel", args=["townships"])))
    assert rows[0] == header and len(rows) == 1 + 5


def test_libreoffice_prints_the_title_and_every_column_on_the_first_page(
        login, tree, year, county_admin, tmp_path, libreoffice):
    client = login(county_admin)
    sources, headers = [], {}
    for url_name, args, key in EXCELS:
        response = client.get(reverse(url_name, args=args))
        source = tmp_path / f"{key}.xlsx"
        source.write_bytes(response.content)
        sources.append(source)
        headers[key] = _sheet_rows(response)[0]
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, sources)],
                   check=True, timeout=180, capture_output=True)
    for source in sources:
        first_page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout",
                                     str(source.with_suffix(".pdf")), "-"],
                                    check=True, capture_output=True, text=True).stdout
        assert "生成于" in first_page, source.stem
        for header in headers[source.stem]:
            assert header in first_page, (source.stem, header)


@pytest.mark.parametrize("url_name,args", [("ledger:trend_excel", ["activities"]),
                                           ("pairing:needs_trend_excel", [])])
def test_roles_without_the_capability_get_403(login, tree, village_secretary, talent,
                                              url_name, args):
    for user in (village_secretary, talent):
        assert login(user).get(reverse(url_name, args=args)).status_code == 403


def _grow(tree, theme):
    """More villages, activities in more months, needs and claims."""
    for n in range(6):
        village = add_org(tree.town_a if n % 2 else tree.town_b, f"新村{n}", "village")
        for day in {MONTH_START, TODAY, EARLIER or TODAY, LAST_YEAR}:
            _activity(village, day, theme)
            _activity(village, day, theme, "submitted")
            _need(village, day, ["confirmed", "claimed", "done"])
    add_org(tree.county, "新镇", "township")


def _panel_queries(user, panels):
    fresh = get_user_model().objects.get(pk=user.pk)  # no cached roles
    request = SimpleNamespace(user=fresh)
    with CaptureQueriesContext(connection) as captured:
        for panel in panels:
            assert panel(request) is not None
    return len(captured)


PANELS = (trend_panels._trends_panel, trend_panels._ranking_panel,
          pairing_trend_panels._needs_trend_panel)


@pytest.mark.parametrize("persona", ["county_admin", "leader"])
def test_panel_queries_do_not_grow_with_the_data(request, tree, theme, year, persona):
    user = request.getfixturevalue(persona)
    small = _panel_queries(user, PANELS)
    _grow(tree, theme)
    assert _panel_queries(user, PANELS) == small
    # roles; the tree's roots, townships, villages, activities (both ledger panels); the
    # tree's roots for the needs' scope, needs
    assert small <= 7


def _home_queries(client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("portal:home")).status_code == 200
    return len(captured)


def test_home_page_queries_do_not_grow_with_the_data(login, tree, theme, year, county_admin):
    client = login(county_admin)
    client.get(reverse("portal:home"))  # session and caches warm
    small = _home_queries(client)
    _grow(tree, theme)
    assert _home_queries(client) == small


def test_a_village_active_under_two_pairings_counts_once(tree, theme, county_admin):
    """The tallies hold one row per org, pairing and month: a village whose month has
    activities linked to its pairing and unlinked ones is one active village, with both
    activities; and the per-township count hashes instead of COUNT(DISTINCT), which sorted a
    year of county tallies to disk at city scale."""
    from pairing.models import Pairing

    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2024, 1, 1))
    Activity.objects.create(org=tree.village_a1, date=TODAY, theme=theme, status="confirmed",
                            title="结对活动", content="内容", pairing=pairing)
    _activity(tree.village_a1, TODAY, theme)
    with CaptureQueriesContext(connection) as queries:
        trends = trend_panels.ledger_trends(county_admin)
    assert (_month(trends.activities), _month(trends.active)) == (2, 1)
    qingshan = next(t for t in trends.townships if t.name == "青山镇")
    assert (qingshan.activities, qingshan.active_months) == (2, 1)
    assert not any("COUNT(DISTINCT" in q["sql"].upper() for q in queries.captured_queries)


def test_a_whole_tree_scope_reads_the_tallies_without_the_scope_join(tree, theme,
                                                                     county_admin):
    """When the user's scope holds every root of the tree, the year's tallies are read in
    index order with no semi-join against the scope; another county's activities stay out
    of the first county's figures once there is one."""
    _activity(tree.village_a1, TODAY, theme)
    with CaptureQueriesContext(connection) as queries:
        before = trend_panels.ledger_trends(county_admin)
    figures = queries.captured_queries[-1]["sql"]
    assert "ledger_townshipmonthtally" in figures and "portal_organization" not in figures
    other = add_org(None, "邻县", "county")
    town = add_org(other, "邻镇", "township")
    _activity(add_org(town, "邻村", "village"), TODAY, theme)
    # A new request, a new user object (the scope's answers are cached on it).
    after = trend_panels.ledger_trends(get_user_model().objects.get(pk=county_admin.pk))
    assert _month(after.activities) == _month(before.activities) == 1
    assert [t.name for t in after.townships] == [t.name for t in before.townships]


def test_needs_trend_sums_the_need_tallies(tree, year, county_admin):
    """Claimed and confirmed needs are summed from the village-month tallies
    (pairing.need_tally), read neither the needs nor the claims, same figures."""
    with CaptureQueriesContext(connection) as queries:
        trend = pairing_trend_panels.need_trend(county_admin)
    (sql,) = [q["sql"] for q in queries.captured_queries if "pairing_need" in q["sql"]]
    assert "pairing_needmonthtally" in sql and "pairing_claim" not in sql
    # This month: three needs published; two claimed (one confirmed, one done), one not.
    assert (_month(trend.published), _month(trend.claimed), _month(trend.confirmed)) \
        == (3, 2, 1)


def test_a_whole_tree_scope_counts_the_needs_without_the_scope_join(tree, year, county_admin):
    """A scope holding every root of the tree counts the year's needs with no join to the org
    tree (10 of 30 ms at city scale); another county's needs stay out once there is one."""
    with CaptureQueriesContext(connection) as queries:
        before = pairing_trend_panels.need_trend(county_admin)
    (sql,) = [q["sql"] for q in queries.captured_queries if "pairing_need" in q["sql"]]
    assert "portal_organization" not in sql
    other = add_org(None, "邻县", "county")
    _need(add_org(add_org(other, "邻镇", "township"), "邻村", "village"), TODAY, ["confirmed"])
    with CaptureQueriesContext(connection) as queries:
        after = pairing_trend_panels.need_trend(
            get_user_model().objects.get(pk=county_admin.pk))
    (sql,) = [q["sql"] for q in queries.captured_queries if "pairing_need" in q["sql"]]
    assert "portal_organization" in sql
    assert (after.published, after.claimed, after.confirmed) \
        == (before.published, before.claimed, before.confirmed)
    assert (_month(after.published), _month(after.confirmed)) == (3, 1)


def test_the_year_s_figures_come_from_the_township_roll_up(tree, theme, county_admin):
    """The year's figures are two grouped queries of the township roll-up (ledger/
    township_tally.py), per month and per township, no org tally read: a village whose month
    went back to 0 (its activity returned) is neither active nor counted, a tally of last
    year stays out, the figures equal the raw rows."""
    _activity(tree.village_a1, TODAY, theme)
    taken_back = _activity(tree.village_a2, TODAY, theme)
    taken_back.status = "returned"
    taken_back.save()  # 石桥村's tally of the month stays, at 0
    _activity(tree.village_b1, LAST_YEAR, theme)
    with CaptureQueriesContext(connection) as queries:
        trends = trend_panels.ledger_trends(county_admin)
    sqls = [q["sql"] for q in queries.captured_queries]
    rollup = [sql for sql in sqls if "ledger_townshipmonthtally" in sql]
    assert len(rollup) == 2
    assert "GROUP BY" in rollup[0] and "GROUP BY" in rollup[1]
    assert not [sql for sql in sqls if "ledger_orgmonthtally" in sql]
    assert (_month(trends.activities), _month(trends.active)) == (1, 1)
    assert sum(trends.activities) == Activity.objects.filter(
        date__year=TODAY.year, status__in=["submitted", "confirmed"]).count() == 1
    by_name = {t.name: t for t in trends.townships}
    assert (by_name["青山镇"].activities, by_name["青山镇"].active_months) == (1, 1)
    assert (by_name["白水乡"].activities, by_name["白水乡"].active_months) == (0, 0)
