"""A village secretary on a phone signs in and sees only their own village."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.helpers import open_menu
from tests.factories import add_org

pytestmark = pytest.mark.browser


def test_village_secretary_sees_only_their_village(live_server, transactional_db, tree, people,
                                                   village_secretary, phone):
    add_org(tree.village_a1, "青山村第一党小组", "other")
    other_villages = ["石桥村", "白水村", "柳林村"]

    phone.goto(live_server.url + reverse("portal:home"))
    expect(phone).to_have_url(f"{live_server.url}{reverse('login')}?next=/")
    phone.fill("#id_username", village_secretary.username)
    phone.fill("#id_password", PASSWORD)
    phone.get_by_role("button", name="登录").click()

    expect(phone).to_have_url(live_server.url + reverse("portal:home"))
    my_orgs = phone.locator('[data-panel="my_orgs"]')
    expect(my_orgs).to_contain_text("青山村")
    for name in [*other_villages, "青山镇"]:
        expect(my_orgs).not_to_contain_text(name)
    # Phone layout: the menu sits behind the toggler and nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.locator("#mainNav")).to_be_hidden()

    open_menu(phone)
    phone.get_by_role("link", name="组织架构").click()
    expect(phone).to_have_url(live_server.url + reverse("portal:org_tree_node",
                                                        args=[tree.village_a1.pk]))
    expect(phone.locator("h1")).to_contain_text("青山村")
    expect(phone.locator("#org-children")).to_contain_text("青山村第一党小组")
    content = phone.locator("main")
    for name in [*other_villages, "青山镇", "示范县"]:
        expect(content).not_to_contain_text(name)

    open_menu(phone)
    phone.get_by_role("link", name="人员").click()
    expect(phone).to_have_url(live_server.url + reverse("portal:person_list"))
    table = phone.locator("#people tbody")
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text(people.a1.name)
    for other in (people.a2, people.b1, people.unit):
        expect(table).not_to_contain_text(other.name)

    response = phone.goto(live_server.url + reverse("portal:org_detail",
                                                    args=[tree.village_b1.pk]))
    assert response.status == 404
    expect(phone.locator("h1")).to_have_text("页面不存在")
    expect(phone.locator("body")).not_to_contain_text("白水村")

