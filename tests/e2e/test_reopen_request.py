"""申请补录 end to end, in Chromium on a 360-px phone: a village secretary who tries to log an
activity in a locked month follows the form's 申请补录 link and sends the request; the
township admin finds it in the 待确认 queue and grants it (the page's own dialog); the month
is then open for that village only, and the secretary logs the activity."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Activity, ReopenRequest, ReopenRequestStatus
from ledger.services.locks import month_is_locked
from tests.e2e.helpers import answer_confirm, fits_width, sign_in

pytestmark = pytest.mark.browser

TITLE = "补录：主题党日"


def _log(page, url, day):
    page.goto(url)
    page.fill("#id_date", day.isoformat())
    page.select_option("#id_theme", label="科技下乡")
    page.fill("#id_title", TITLE)
    page.fill("#id_content", "学习党章，交流心得。")
    page.get_by_role("button", name="保存草稿").click()


def test_request_for_a_locked_month_reaches_the_township_and_is_granted(
        live_server, transactional_db, tree, village_secretary, township_admin, browser):
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=70)
    assert month_is_locked(tree.village_a1, day.year, day.month)
    form_url = live_server.url + reverse("ledger:activity_create")

    # 1. The form explains the lock and links to 申请补录 for that month.
    secretary = sign_in(browser, live_server, village_secretary)
    _log(secretary, form_url, day)
    problem = secretary.locator("#lock-problem")
    expect(problem).to_contain_text(f"{day.year}年{day.month}月的台账已于")
    expect(problem).to_contain_text("请提交“申请补录”")
    fits_width(secretary)
    problem.get_by_role("link", name="申请补录").click()
    expect(secretary.locator("h1")).to_have_text("申请补录")
    expect(secretary.locator("#id_org")).to_have_value(str(tree.village_a1.pk))
    expect(secretary.locator("#id_year")).to_have_value(str(day.year))
    expect(secretary.locator("#id_month")).to_have_value(str(day.month))
    secretary.fill("#id_reason", "书记住院，主题党日漏登")
    fits_width(secretary)
    secretary.get_by_role("button", name="提交申请").click()
    expect(secretary.locator(".alert-success")).to_contain_text(
        f"已提交“青山村”{day.year}年{day.month}月的补录申请，等待乡镇处理。")
    request = ReopenRequest.objects.get()
    assert (request.org, request.status) == (tree.village_a1, ReopenRequestStatus.PENDING)

    # 2. The township admin finds it in the 待确认 queue and grants it.
    town = sign_in(browser, live_server, township_admin)
    queue_url = live_server.url + reverse("ledger:activity_to_confirm")
    town.goto(queue_url)
    item = town.locator(f"#reopen-request-{request.pk}")
    expect(item).to_contain_text(f"青山村 {day.year}年{day.month}月")
    expect(item).to_contain_text("书记住院，主题党日漏登")
    fits_width(town)
    item.get_by_role("button", name="同意并开放").click()
    assert "确定同意吗" in answer_confirm(town)
    expect(town.locator(".alert-success")).to_contain_text(
        f"已同意“青山村”{day.year}年{day.month}月的补录申请，该月已开放补录。")
    expect(town).to_have_url(queue_url)
    expect(town.locator(f"#reopen-request-{request.pk}")).to_have_count(0)
    request.refresh_from_db()
    assert request.status == ReopenRequestStatus.GRANTED
    assert not month_is_locked(tree.village_a1, day.year, day.month)
    assert month_is_locked(tree.village_a2, day.year, day.month)  # that village only
    town.context.close()

    # 3. The month is open for the village: the secretary logs the activity.
    _log(secretary, form_url, day)
    expect(secretary.locator(".alert-success")).to_contain_text(f"已保存“{TITLE}”（草稿）")
    assert Activity.objects.get(title=TITLE).date == day
    secretary.context.close()
