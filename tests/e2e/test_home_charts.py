"""Trend charts on the county admin's home in Chromium at 1366 px (issue 11 item 13): every
chart box is drawn (a canvas inside it), each chart's data table opens under it, the page
obeys its CSP and axe finds no serious violation; the leader's home fits a 360 px phone and
fetches ECharts only once a chart comes near the screen."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Activity, ActivityTheme
from pairing.models import Need
from tests.e2e.helpers import DESKTOP, SMALL_PHONE, fits_width, sign_in
from tests.e2e.test_accessibility import AXE, axe_violations

pytestmark = pytest.mark.browser

CHARTS = ("activities", "villages", "townships", "needs")


@pytest.fixture
def world(transactional_db, tree, people, county_admin, leader):
    """A few counted activities this month and earlier this year, and a need."""
    importlib.import_module("ledger.migrations.0002_load_activity_themes").load_themes(
        apps, None)  # a transactional test's flush empties the themes
    theme = ActivityTheme.objects.order_by("order").first()
    today = timezone.localdate()
    for org, day in ((tree.village_a1, today), (tree.village_b1, today.replace(day=1)),
                     (tree.village_a2, datetime.date(today.year, 1, 10))):
        Activity.objects.create(org=org, date=day, theme=theme, status="confirmed",
                                title="主题党日", content="内容")
    Need.objects.create(village_org=tree.village_a1, title="电商直播带货培训",
                        description="教村民直播带货", places=2,
                        deadline=today + datetime.timedelta(days=14))


def test_county_admin_sees_the_charts_and_their_tables(live_server, world, county_admin,
                                                       browser):
    page = sign_in(browser, live_server, county_admin, timeout=10000, **DESKTOP)
    page.context.add_init_script(path=str(AXE))
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(
        message.text))
    page.goto(live_server.url + reverse("portal:home"))
    page.wait_for_load_state()
    for key in CHARTS:
        box = page.locator(f"#chart-{key}")
        box.scroll_into_view_if_needed()
        expect(box.locator("canvas, svg").first).to_be_visible()
        assert box.bounding_box()["height"] >= 150, key
        figure = page.locator(f"figure:has(#chart-{key})")
        table = figure.locator(f'table[data-chart-table="{key}"]')
        expect(table).to_be_hidden()
        figure.get_by_text("查看数据表").click()
        expect(table).to_be_visible()
        expect(table.locator("tbody tr").first).to_be_visible()
    expect(page.locator('table[data-chart-table="townships"] tbody')).to_contain_text("青山镇")
    # The month's activities in the table: 青山村 and 白水村 (and 石桥村's in January).
    month = timezone.localdate()
    row = page.locator('table[data-chart-table="activities"] tr',
                       has_text=f"{month.year}年{month.month}月")
    expect(row.locator("td")).to_have_text("3" if month.month == 1 else "2")
    assert not problems, problems  # no CSP refusal, no script error
    assert axe_violations(page) == []


def test_leader_home_fits_a_phone_and_fetches_echarts_only_near_a_chart(live_server, world,
                                                                       leader, browser):
    page = sign_in(browser, live_server, leader, timeout=10000, **SMALL_PHONE)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(live_server.url + reverse("portal:home"))
    page.wait_for_load_state("networkidle")
    assert not [url for url in fetched if "echarts" in url]  # the charts are further down
    box = page.locator("#chart-activities")
    box.scroll_into_view_if_needed()
    expect(box.locator("canvas").first).to_be_visible()
    assert [url for url in fetched if "echarts" in url]
    fits_width(page)
