"""The county admin's navbar holds every app's menu on one line of a 1366 px screen (the
system pages share a 系统 drop-down), and the 系统 items are reachable from it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.helpers import DESKTOP, sign_in

pytestmark = pytest.mark.browser


def test_county_admin_navbar_fits_one_line_at_1366(live_server, transactional_db, county_admin,
                                                   browser):
    # staff, with a full name, as in the demo: the bar then also holds 管理后台 and the name
    county_admin.is_staff, county_admin.first_name = True, "组织部李晓明"
    county_admin.save(update_fields=["is_staff", "first_name"])
    page = sign_in(browser, live_server, county_admin, **DESKTOP)
    navbar = page.locator("nav.navbar").first
    brand_height = page.locator(".navbar-brand").first.bounding_box()["height"]
    assert navbar.bounding_box()["height"] < 2.5 * brand_height  # one row of links
    one_line = navbar.get_by_text("组织架构", exact=True).first.bounding_box()["height"]
    heights = [link.bounding_box()["height"] for link in navbar.locator(".nav-link").all()
               if link.is_visible()]
    assert max(heights) < 1.5 * one_line  # no link wraps its label onto a second line
    for label in ("组织架构", "结对共建", "活动台账", "考核评价", "系统"):
        expect(navbar.get_by_text(label, exact=True).first).to_be_visible()
    for label in ("我的任务", "管理后台"):  # icons at this width, named for screen readers
        expect(navbar.get_by_role("link", name=label)).to_be_visible()
    navbar.get_by_role("button", name="系统").click()
    navbar.get_by_role("link", name="审计日志").click()
    expect(page).to_have_url(live_server.url + reverse("portal:audit_log"))
