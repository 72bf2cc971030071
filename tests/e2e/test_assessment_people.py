"""The people assessed, end to end in Chromium on a 360-px phone: a talent sees why they got
their quarter's score, down to the activities behind the points, and appeals it; the assessing
body's assessor rejects an appeal with a reason, which the talent then reads."""


import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import Appeal, AppealStatus, QuarterScore
from assessment.services.appeals import file_appeal
from assessment.services.scoring import publish_run
from tests.assessment.conftest import build_assessed
from tests.e2e.helpers import fits_width, open_menu, sign_in

pytestmark = pytest.mark.browser





def _go_to(page, label):
    """A 考核评价 page from the phone menu: in the group's drop-down, or a single link when
    the user has only that one item of the group."""
    menu = open_menu(page)
    group = menu.get_by_role("button", name="考核评价")
    if group.count():
        group.click()
    link = menu.get_by_role("link", name=label)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")




@pytest.fixture
def world(transactional_db, tree, people, county_admin, talent):
    world = build_assessed(tree, people, county_admin=county_admin)
    world.run = publish_run(world.run, actor=world.assessor)
    people.unit.user = talent
    people.unit.save(update_fields=["user"])
    world.score = QuarterScore.objects.get(run=world.run, person=people.unit)
    return world


def test_a_talent_sees_why_they_got_their_score(live_server, world, talent, browser):
    page = sign_in(browser, live_server, talent)

    # 1. The home panel: this quarter's score and rank, and what counts.
    panel = page.locator('[data-panel="assessment_talent"]')
    expect(panel).to_contain_text("2025年第1季度得分")
    expect(panel).to_contain_text("排位 · 共 4 人")
    expect(panel).to_contain_text("每月参加村级服务活动")
    panel.get_by_role("link", name="查看得分依据").click()
    expect(page).to_have_url(live_server.url + world.score.get_absolute_url())

    # 2. The score: 20 points, first of four, and the item that gave them.
    expect(page.locator("#score-figures")).to_contain_text("20")
    expect(page.locator("#rank")).to_have_text("第 1 名")
    item = page.locator('[data-indicator="months_served"]')
    expect(item).to_contain_text("参加村级服务活动月数：2 个月")
    expect(item).to_contain_text("每 1 计 10 分，最高 30 分")

    # 3. Down to the activities: the two in 青山村, not 吴二's draft.
    rows = item.locator(".source-rows li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2025年1月10日")
    expect(rows.nth(0)).to_contain_text("青山村")
    expect(rows.nth(1)).to_contain_text("2025年2月12日")
    expect(item.locator(f'[data-source="activity-{world.activities[2].pk}"]')).to_have_count(0)
    fits_width(page)

    # 4. 我的考核 from the menu lists the quarter; an appeal goes in from the score page.
    _go_to(page, "我的考核")
    expect(page.locator("#my-scores")).to_contain_text("第 1 名 / 共 4 人")
    page.get_by_role("link", name="2025年第1季度").click()
    page.fill("#id_reason", "3月还参加了石桥村的活动，未计入")
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交申诉")
    expect(page.locator("#appeals ~ .card").first).to_contain_text("待处理")
    assert Appeal.objects.get().reason == "3月还参加了石桥村的活动，未计入"


def test_an_assessor_rejects_an_appeal_with_a_reason(live_server, world, talent, browser):
    appeal = file_appeal(world.score, actor=talent, reason="2月的活动少算了一次")
    page = sign_in(browser, live_server, world.assessor)

    _go_to(page, "申诉处理")
    expect(page).to_have_url(live_server.url + reverse("assessment:appeal_list"))
    page.get_by_role("link", name="陈农业").click()
    expect(page.locator("h1")).to_contain_text("待处理")
    fits_width(page)

    actions = page.locator("#appeal-actions")
    actions.get_by_placeholder("驳回原因").fill("经核实，2月两次活动为同一次，已计 1 个月")
    actions.get_by_role("button", name="驳回").click()
    expect(page.locator(".alert-success")).to_contain_text("已驳回申诉")
    expect(page.locator("h1")).to_contain_text("已驳回")
    expect(page.locator("#decision")).to_have_text("经核实，2月两次活动为同一次，已计 1 个月")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED

    # The talent reads the decision on their score page.
    talent_page = sign_in(browser, live_server, talent)
    talent_page.goto(live_server.url + world.score.get_absolute_url())
    expect(talent_page.locator("#appeals ~ .card").first).to_contain_text("经核实")
