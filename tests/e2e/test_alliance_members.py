"""Browser journey (issue 10): a member village's secretary on a 360 px phone takes part in the
alliance: votes on the service menu (党员群众选), claims a fellow member village's 微心愿, then
writes the year-end 述职 and scores the other members (相互评); every page fits the phone."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alliances.models import (
    AnnualReview,
    MemberReport,
    PeerScore,
    ServiceMenuItem,
    ServiceVote,
)
from pairing.models import Claim, Need, NeedKind
from tests.alliances.conftest import build_alliances_world
from tests.e2e.helpers import SMALL_PHONE, answer_confirm, fits_width, sign_in
from tests.factories import bulk_users_with_roles

pytestmark = pytest.mark.browser

ITEM = "义诊进村"
WISH = "给留守儿童买书包"
REPORT = "本年度联合石桥村开展义诊两次、茶叶培训一次；明年牵头办好茶叶节。"


def test_member_secretary_votes_claims_reports_and_scores(live_server, transactional_db, tree,
                                                          village_secretary, browser):
    world = build_alliances_world(tree)
    core = world.core
    fellow = bulk_users_with_roles({"shiqiao_secretary": (tree.village_a2,
                                                          "village_secretary")})
    item = ServiceMenuItem.objects.create(alliance=core, title=ITEM, vote_count=1,
                                          description="县医院专家进村义诊",
                                          proposed_by_org=tree.village_a2)
    ServiceVote.objects.create(item=item, voter=fellow["shiqiao_secretary"])
    wish = Need.objects.create(village_org=tree.village_a2, kind=NeedKind.MICRO_WISH,
                               title=WISH, description="石桥村留守儿童12名，需要书包",
                               deadline=timezone.localdate() + datetime.timedelta(days=20),
                               places=1)
    review = AnnualReview.objects.create(alliance=core, year=timezone.localdate().year)
    others = {tree.village_a2: 92, world.station: 88, world.enterprise: 85,
              world.association: 80}

    page = sign_in(browser, live_server, village_secretary, **SMALL_PHONE)

    # 1. The service menu: vote for an item, its count goes from 1 to 2.
    page.goto(live_server.url + reverse("alliances:alliance_menu", args=[core.pk]))
    expect(page.get_by_role("heading", name=f"{core.name} · 联盟服务清单")).to_be_visible()
    row = page.locator("#menu-items tbody tr", has_text=ITEM)
    expect(row.locator("td").nth(2)).to_have_text("1")
    fits_width(page)
    row.get_by_role("button", name="投票").click()
    expect(page).to_have_url(live_server.url + item.get_absolute_url())
    expect(page.locator(".alert-success")).to_contain_text(f"已为“{ITEM}”投票")
    expect(page.locator("#vote-count")).to_have_text("2")
    expect(page.get_by_role("button", name="已投票")).to_be_visible()
    fits_width(page)
    page.get_by_role("link", name=f"{core.name} · 服务清单").click()
    row = page.locator("#menu-items tbody tr", has_text=ITEM)
    expect(row.locator("td").nth(2)).to_have_text("2")
    item.refresh_from_db()
    assert item.vote_count == 2 and item.votes.filter(voter=village_secretary).exists()

    # 2. The alliance's micro-wishes: claim 石桥村's wish (after the page's confirmation dialog).
    page.get_by_role("link", name="微心愿", exact=True).click()
    expect(page).to_have_url(live_server.url + reverse("alliances:alliance_wishes",
                                                       args=[core.pk]))
    row = page.locator("#alliance-needs tbody tr", has_text=WISH)
    expect(row).to_contain_text("石桥村")
    expect(row).to_contain_text("1/1")
    fits_width(page)
    row.get_by_role("button", name="认领").click()
    fits_width(page)  # the confirmation dialog too
    assert WISH in answer_confirm(page)
    expect(page.locator(".alert-success")).to_contain_text(f"已认领微心愿“{WISH}”")
    expect(page).to_have_url(live_server.url + reverse("alliances:alliance_wishes",
                                                       args=[core.pk]))
    row = page.locator("#alliance-needs tbody tr", has_text=WISH)
    expect(row).to_contain_text("我已认领")
    expect(row).to_contain_text("0/1")
    expect(row.get_by_role("button", name="认领")).to_have_count(0)
    fits_width(page)
    assert Claim.objects.filter(need=wish, claimant=village_secretary).exists()

    # 3. The open year-end review: 青山村's 述职.
    review_url = live_server.url + review.get_absolute_url()
    page.goto(review_url)
    expect(page.get_by_role("heading", name=f"{review.year}年度述职互评")).to_be_visible()
    mine = page.locator("#my-members")
    expect(mine).to_contain_text("青山村")
    fits_width(page)
    mine.get_by_role("link", name="述职").click()
    expect(page).to_have_url(live_server.url + reverse(
        "alliances:review_report", args=[review.pk, tree.village_a1.pk]))
    page.get_by_label("述职内容").fill(REPORT)
    fits_width(page)
    page.get_by_role("button", name="提交述职").click()
    expect(page).to_have_url(review_url + "#reports")
    expect(page.locator(".alert-success")).to_contain_text("已保存“青山村”的述职")
    reports = page.locator("#reports")
    expect(reports.locator("li", has_text="青山村")).to_contain_text(REPORT)
    assert MemberReport.objects.get(review=review, member=tree.village_a1).content == REPORT

    # 4. The phone score sheet: every other member, 0–100, a comment for one.
    page.locator("#my-members").get_by_role("link", name="相互评分").click()
    expect(page).to_have_url(live_server.url + reverse(
        "alliances:review_scores", args=[review.pk, tree.village_a1.pk]))
    expect(page.get_by_role("heading", name="相互评分 · 青山村")).to_be_visible()
    sheet = page.locator("#score-sheet")
    expect(sheet.get_by_role("spinbutton")).to_have_count(len(others))
    for org, score in others.items():
        sheet.get_by_label(f"{org.name} 得分").fill(str(score))
    sheet.get_by_label("石桥村 评语").fill("义诊组织得好")
    fits_width(page)
    sheet.get_by_role("button", name="保存评分").click()
    expect(page).to_have_url(review_url + "#matrix")
    expect(page.locator(".alert-success")).to_contain_text("已保存“青山村”的相互评分")
    my_row = page.locator("#score-matrix tbody tr", has_text="青山村").first
    expect(my_row).to_contain_text("4/4")
    expect(my_row).to_contain_text("92")
    fits_width(page)
    saved = dict(PeerScore.objects.filter(review=review, rater=tree.village_a1)
                 .values_list("ratee", "score"))
    assert saved == {org.pk: score for org, score in others.items()}
