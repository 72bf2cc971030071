"""Organization pickers in the browser: on the role assign form the county admin types a
village's pinyin initials, picks it with the keyboard (or a tap on a phone) and the grant names
that village; the people list's organization filter takes a village the same way and keeps
the search text. At 360 px and at 1366 px."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal import widgets
from portal.models import RoleAssignment
from tests.e2e.helpers import DESKTOP, fits_width, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def pickers_for_the_small_tree(monkeypatch):
    """The test county has 8 organizations: pickers from 3 choices on."""
    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)


def assign_on(page, live_server, username):
    page.goto(live_server.url + reverse("portal:role_assign"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("初始密码（新建账号时填写）").fill("Qingshan-2026!")
    return page.get_by_role("combobox", name="组织")


def test_the_county_admin_picks_a_village_by_initials_with_the_keyboard(
        live_server, transactional_db, tree, people, county_admin, browser):
    page = sign_in(browser, live_server, county_admin, **DESKTOP)
    box = assign_on(page, live_server, "qs_secretary")
    box.press_sequentially("qsc")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="青山村")).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")  # wraps to the only hit
    box.press("Enter")  # picks; the form is not sent
    expect(box).to_have_value("青山村")
    expect(listbox).to_be_hidden()
    expect(page.locator("#id_org_value")).to_have_value(str(tree.village_a1.pk))
    page.get_by_label("角色").select_option("village_secretary")
    page.get_by_role("button", name="授予").click()
    expect(page).to_have_url(live_server.url + reverse("portal:role_list"))
    grant = RoleAssignment.objects.get(user__username="qs_secretary")
    assert grant.org == tree.village_a1


def test_on_a_phone_a_tap_picks_and_escape_closes(live_server, transactional_db, tree, people,
                                                 county_admin, browser):
    page = sign_in(browser, live_server, county_admin)  # 360 px
    box = assign_on(page, live_server, "bs_secretary")
    box.press_sequentially("baishui")
    option = page.get_by_role("option", name="白水村")
    expect(option).to_be_visible()
    fits_width(page)
    box.press("Escape")
    expect(option).to_be_hidden()
    box.fill("")
    box.press_sequentially("bsc")
    page.get_by_role("option", name="白水村").tap()
    expect(box).to_have_value("白水村")
    expect(page.locator("#id_org_value")).to_have_value(str(tree.village_b1.pk))
    fits_width(page)


def test_the_people_filter_takes_a_village_and_keeps_the_search(live_server, transactional_db,
                                                                tree, people, county_admin,
                                                                browser):
    page = sign_in(browser, live_server, county_admin)
    page.goto(live_server.url + reverse("portal:person_list"))
    page.locator("#id_q").fill("赵")
    box = page.get_by_role("combobox", name="组织")
    box.press_sequentially("bsc")
    page.get_by_role("option", name="白水村").tap()
    table = page.locator("#people-table")
    expect(table).to_contain_text("赵白水")
    expect(table).not_to_contain_text("李青山")
    expect(page).to_have_url(re.compile(rf"/people/\?q=%E8%B5%B5&org={tree.village_b1.pk}(&|$)"))
    expect(page.locator("#id_q")).to_have_value("赵")
    fits_width(page)
