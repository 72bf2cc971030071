"""Browser journey (issue 10, done-when): county staff found 青山镇's core alliance with two area
alliances and members from four kinds of organization (village, unit, enterprise,
association); the structure page shows the tree, also on a 360 px phone."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.helpers import DESKTOP, SMALL_PHONE, fits_width, sign_in
from tests.factories import add_org

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def alliance_types(django_db_blocker):
    """The flush of a transactional database empties the types migrations load: reload."""
    migration = importlib.import_module("alliances.migrations.0002_load_alliance_types")
    with django_db_blocker.unblock():
        migration.load_types(apps, None)


def found(page, live_server, *, name, kind, type_name, parent=None):
    page.goto(live_server.url + reverse("alliances:alliance_create"))
    page.fill("#id_name", name)
    page.select_option("#id_kind", kind)
    page.select_option("#id_type", label=type_name)
    page.select_option("#id_owner", label="青山镇")
    if parent:
        page.select_option("#id_parent", label=f"{parent}（青山镇）")
    page.get_by_role("button", name="组建").click()
    expect(page.get_by_role("heading", name=f"添加成员 · {name}")).to_be_visible()


def add_members(page, names):
    for name in names:
        page.get_by_label(name).check()
    page.get_by_role("button", name="加入联盟").click()
    expect(page.get_by_text(f"已有 {len(names)} 个组织加入")).to_be_visible()


def test_county_staff_found_the_x_x_x_structure(live_server, transactional_db, tree,
                                                county_admin, browser):
    add_org(tree.town_a, "青山镇农业综合服务中心", "unit")
    add_org(tree.town_a, "青山茶业有限公司", "enterprise")
    add_org(tree.town_a, "青山镇茶叶协会", "association")
    page = sign_in(browser, live_server, county_admin, **DESKTOP)

    found(page, live_server, name="青山镇全域党建联盟", kind="core", type_name="红色引领")
    add_members(page, ["青山村", "石桥村", "青山镇农业综合服务中心", "青山茶业有限公司",
                       "青山镇茶叶协会"])
    members = page.locator("#members")
    for kind in ("村", "县直单位", "非公企业", "行业协会"):
        expect(members.get_by_text(kind, exact=True).first).to_be_visible()

    found(page, live_server, name="青山片区红色引领联盟", kind="area", type_name="红色引领",
          parent="青山镇全域党建联盟")
    add_members(page, ["青山村", "青山茶业有限公司"])
    found(page, live_server, name="石桥片区绿色发展联盟", kind="area", type_name="绿色发展",
          parent="青山镇全域党建联盟")
    add_members(page, ["石桥村", "青山镇茶叶协会", "青山镇农业综合服务中心"])

    for context_options, width in ((DESKTOP, 1366), (SMALL_PHONE, 360)):
        viewer = page if context_options is DESKTOP else sign_in(browser, live_server,
                                                                 county_admin)
        viewer.goto(live_server.url + reverse("alliances:structure"))
        tree_section = viewer.locator("#alliance-tree")
        core = tree_section.locator(".alliance-node").first
        expect(core).to_contain_text("青山镇全域党建联盟")
        expect(core).to_contain_text("成员 5")
        branches = tree_section.locator("ul ul .alliance-node")
        expect(branches).to_have_count(2)
        expect(branches.filter(has_text="青山片区红色引领联盟")).to_contain_text("成员 2")
        expect(branches.filter(has_text="石桥片区绿色发展联盟")).to_contain_text("成员 3")
        fits_width(viewer, width)
