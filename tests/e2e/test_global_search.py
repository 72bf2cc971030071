"""The navbar's global search: typing pinyin initials shows a drop-down of hits in the user's
scope, inside the collapsed menu on a 360 px phone and beside the menu on a desktop."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.helpers import DESKTOP, fits_width, open_menu, sign_in

pytestmark = pytest.mark.browser


def test_phone_search_drop_down_in_the_menu(live_server, transactional_db, tree, people,
                                            village_secretary, browser):
    page = sign_in(browser, live_server, village_secretary)
    menu = open_menu(page)
    box = menu.get_by_role("searchbox", name="全局搜索（组织、人员、结对、需求）")
    expect(box).to_be_visible()
    box.press_sequentially("baishui")  # another township's village: out of scope
    expect(page.locator("#global-search-menu")).to_contain_text("没有找到")
    box.fill("")
    box.press_sequentially("qsc")
    hits = page.locator("#global-search-menu")
    expect(hits.get_by_role("link", name="青山村")).to_be_visible()
    fits_width(page)
    hits.get_by_role("link", name="青山村").click()
    expect(page).to_have_url(live_server.url + reverse("portal:org_detail",
                                                       args=[tree.village_a1.pk]))


def test_desktop_search_drop_down_and_results_page(live_server, transactional_db, tree, people,
                                                   county_admin, browser):
    page = sign_in(browser, live_server, county_admin, **DESKTOP)
    navbar = page.locator("nav.navbar").first
    brand_height = page.locator(".navbar-brand").first.bounding_box()["height"]
    assert navbar.bounding_box()["height"] < 2.5 * brand_height  # the icon keeps one row
    navbar.get_by_role("button", name="搜索").click()
    box = page.get_by_role("searchbox", name="全局搜索（组织、人员、结对、需求）")
    expect(box).to_be_focused()
    box.press_sequentially("zhao")
    hits = page.locator("#global-search-menu")
    expect(hits.get_by_role("link", name="赵白水")).to_be_visible()
    assert hits.bounding_box()["x"] + hits.bounding_box()["width"] <= 1366
    page.keyboard.press("Escape")
    expect(hits.get_by_role("link")).to_have_count(0)
    expect(box).to_be_hidden()
    navbar.get_by_role("button", name="搜索").click()
    box.fill("qingshan")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{reverse('portal:search')}?q=qingshan")
    expect(page.locator("#search-summary")).to_contain_text("共找到 3 条")
    expect(page.locator("#search-orgs").get_by_role("link", name="青山村")).to_be_visible()
