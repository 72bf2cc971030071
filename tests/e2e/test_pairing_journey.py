"""The needs board end to end, in Chromium: a village publishes a need on a phone, the paired
unit's talent claims it and reports it done, another village's talent cannot even see it, the
village confirms with a rating and the county finds it in the statistics."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from pairing.models import Claim, ClaimStatus, Need
from pairing.services.pairings import do_create_pairing
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import answer_confirm, fits_width, open_menu, sign_in
from tests.factories import UserFactory, add_org, grant

pytestmark = pytest.mark.browser

TITLE = "电商直播带货培训"
RESULT = "3月12日在村委会开展直播培训，32名村民参加。"




def _open_nav(page, name):
    """Follow a main-menu entry the way a phone user does: through the toggler."""
    open_menu(page).get_by_role("link", name=name).click()




def test_publish_claim_report_confirm_and_count(live_server, transactional_db, settings, tmp_path,
                                                tree, county_admin, village_secretary, talent,
                                                browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    other_unit = add_org(tree.county, "县教育局", "unit", code="U0002")
    other_talent = UserFactory(username="other_talent")
    grant(other_talent, other_unit, "talent")
    do_create_pairing(tree.unit, tree.village_a1, actor=county_admin, principles=["near"])
    do_create_pairing(other_unit, tree.village_b1, actor=county_admin, principles=["near"])
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    evidence = tmp_path / "直播现场.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(evidence)

    # 1. The village secretary publishes the need on a phone.
    secretary = sign_in(browser, live_server, village_secretary, **PHONE)
    _open_nav(secretary, "需求大厅")
    expect(secretary.locator("h1")).to_have_text("本村需求")
    secretary.get_by_role("link", name="发布需求").click()
    expect(secretary).to_have_url(live_server.url + reverse("pairing:need_create"))
    expect(secretary.locator("#id_village_org")).to_have_value(str(tree.village_a1.pk))
    secretary.select_option("#id_kind", label="小微服务")
    secretary.fill("#id_title", TITLE)
    secretary.fill("#id_description", "需要懂电商的老师教村民用手机直播卖土特产。")
    secretary.fill("#id_deadline", deadline.isoformat())
    secretary.fill("#id_places", "2")
    fits_width(secretary, PHONE["viewport"]["width"])
    secretary.get_by_role("button", name="发布", exact=True).click()
    need = Need.objects.get(title=TITLE)
    detail_url = live_server.url + reverse("pairing:need_detail", args=[need.pk])
    expect(secretary).to_have_url(detail_url)
    expect(secretary.locator(".alert-success")).to_contain_text(f"已发布“{TITLE}”")
    expect(secretary.locator("h1")).to_have_text(TITLE)
    expect(secretary.locator("main")).to_contain_text("已认领 0 / 共 2")
    assert (need.village_org, need.kind, need.places) == (tree.village_a1, "small_service", 2)

    # 2. The paired unit's talent finds it on the board and claims it.
    claimant = sign_in(browser, live_server, talent, **PHONE)
    _open_nav(claimant, "需求大厅")
    expect(claimant.locator("h1")).to_have_text("可认领的需求")
    row = claimant.locator("#needs tbody tr", has_text=TITLE)
    expect(row).to_contain_text("青山村")
    expect(row).to_contain_text("0/2")
    fits_width(claimant, PHONE["viewport"]["width"])
    row.get_by_role("link", name=TITLE).click()
    expect(claimant).to_have_url(detail_url)
    # The icon font's glyph is part of the accessible name, so target the claim form.
    claim_form = claimant.locator(
        f'form[action="{reverse("pairing:need_claim", args=[need.pk])}"]')
    claim_form.get_by_role("button").click()
    assert TITLE in answer_confirm(claimant)
    expect(claimant.locator(".alert-success")).to_contain_text(f"已认领“{TITLE}”")
    claim = Claim.objects.get(need=need, claimant=talent)
    expect(claimant).to_have_url(f"{detail_url}#claim-{claim.pk}")
    expect(claimant.locator("main")).to_contain_text("已认领 1 / 共 2")
    expect(claimant.locator(f"#claim-{claim.pk}")).to_contain_text("已认领")

    # 3. A talent of a unit paired with another village: not on the board, 404 on the URL.
    stranger = sign_in(browser, live_server, other_talent, **PHONE)
    stranger.goto(live_server.url + reverse("pairing:need_board"))
    expect(stranger.locator("h1")).to_have_text("可认领的需求")
    expect(stranger.locator("#needs tbody")).to_contain_text("结对村暂时没有可认领的需求")
    expect(stranger.locator("#needs")).not_to_contain_text(TITLE)
    response = stranger.goto(detail_url)
    assert response.status == 404
    expect(stranger.locator("h1")).to_have_text("页面不存在")
    expect(stranger.locator("body")).not_to_contain_text(TITLE)
    stranger.context.close()

    # 4. The talent reports it done, with a photo as evidence.
    claimant.get_by_role("link", name="报告完成").click()
    expect(claimant).to_have_url(live_server.url + reverse("pairing:claim_report",
                                                          args=[claim.pk]))
    claimant.fill("#id_result", RESULT)
    claimant.set_input_files("#id_evidence", str(evidence))
    fits_width(claimant, PHONE["viewport"]["width"])
    claimant.get_by_role("button", name="提交").click()
    expect(claimant).to_have_url(f"{detail_url}#claim-{claim.pk}")
    expect(claimant.locator(".alert-success")).to_contain_text("已报告完成")
    card = claimant.locator(f"#claim-{claim.pk}")
    expect(card).to_contain_text("待确认")
    expect(card).to_contain_text(RESULT)
    expect(card.get_by_role("link", name="佐证材料")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DONE
    assert re.fullmatch(r".*evidence-[0-9a-f]{16}\.png", claim.evidence.name)
    claimant.context.close()

    # 5. The secretary confirms it from the to-confirm list with 5 points and a comment.
    secretary.goto(live_server.url + reverse("pairing:need_board"))
    expect(secretary.locator("#needs tbody tr", has_text=TITLE)).to_contain_text("1 待确认")
    secretary.get_by_role("link", name="待确认").click()
    to_confirm_url = live_server.url + reverse("pairing:claims_to_confirm")
    expect(secretary).to_have_url(to_confirm_url)
    card = secretary.locator(f"#claim-{claim.pk}")
    expect(card).to_contain_text(TITLE)
    expect(card).to_contain_text(RESULT)
    card.locator(f"#id_c{claim.pk}_rating").select_option("5")
    card.locator(f"#id_c{claim.pk}_comment").fill("讲得实在，村民都学会了")
    fits_width(secretary, PHONE["viewport"]["width"])
    card.get_by_role("button", name="确认完成").click()
    expect(secretary).to_have_url(to_confirm_url)
    expect(secretary.locator(".alert-success")).to_contain_text("已确认")
    expect(secretary.locator("main")).to_contain_text("没有待确认的认领")
    secretary.goto(detail_url)
    confirmed = secretary.locator(f"#claim-{claim.pk}")
    expect(confirmed).to_contain_text("已确认")
    expect(confirmed).to_contain_text("5 分")
    expect(confirmed).to_contain_text("讲得实在，村民都学会了")
    claim.refresh_from_db()
    assert (claim.status, claim.rating) == (ClaimStatus.CONFIRMED, 5)
    assert list(claim.events.order_by("id").values_list("to_status", flat=True)) == [
        ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED]
    secretary.context.close()

    # 6. The county sees it in the statistics (desktop size): 青山镇 has one confirmed need.
    county = sign_in(browser, live_server, county_admin,
                     viewport={"width": 1280, "height": 900}, locale="zh-CN")
    county.get_by_role("link", name="查看统计").click()
    expect(county).to_have_url(live_server.url + reverse("pairing:statistics"))
    headers = county.locator("#stats-table thead th").all_inner_texts()
    column = headers.index("已确认需求")
    cells = {
        name: county.locator("#stats-table tbody tr", has_text=name).locator("td")
        for name in ("青山镇", "白水乡")
    }
    expect(cells["青山镇"].nth(0)).to_have_text("青山镇")
    expect(cells["青山镇"].nth(headers.index("发布需求"))).to_have_text("1")
    expect(cells["青山镇"].nth(headers.index("已认领需求"))).to_have_text("1")
    expect(cells["青山镇"].nth(column)).to_have_text("1")
    expect(cells["白水乡"].nth(column)).to_have_text("0")
    expect(county.locator("#stats-total td").nth(column)).to_have_text("1")
    county.context.close()
