"""The page's own confirmation dialog (templates/includes/confirm_modal.html) instead of the
browser's confirm(), in Chromium on a 360-px phone: 取消, the close button and Escape send
nothing and give the focus back; 确定 sends the form with the button that was pressed."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Activity, ActivityStatus, ActivityTheme
from tests.e2e.helpers import answer_confirm, fits_width, sign_in
from tests.e2e.test_accessibility import AXE, axe_violations

pytestmark = pytest.mark.browser


def test_cancel_leaves_the_data_unchanged(live_server, transactional_db, tree,
                                          village_secretary, browser):
    draft = Activity.objects.create(
        org=tree.village_a1, date=timezone.localdate(), title="党员大会",
        theme=ActivityTheme.objects.get(code="serve_masses"), content="学习文件")
    detail_url = live_server.url + reverse("ledger:activity_detail", args=[draft.pk])
    page = sign_in(browser, live_server, village_secretary)
    page.context.add_init_script(path=str(AXE))
    native = []
    page.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    page.goto(detail_url)
    delete = page.get_by_role("button", name="删除草稿")
    dialog = page.get_by_role("dialog", name="请确认")

    # 取消: nothing is sent; the dialog fits the phone and the focus returns to the button.
    delete.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.locator("#confirm-modal-message")).to_have_text("确定删除该草稿吗？删除后不能恢复。")
    ok = dialog.get_by_role("button", name="确定", exact=True)
    expect(ok).to_have_class("btn btn-danger")  # deleting is dangerous: red, and 取消 focused
    expect(dialog.get_by_role("button", name="取消", exact=True)).to_be_focused()
    fits_width(page)
    assert axe_violations(page) == []  # WCAG 2.1 AA with the dialog open
    answer_confirm(page, "取消")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    expect(page).to_have_url(detail_url)

    # Escape and the close button answer 取消 too (once the dialog is open: focus moved in).
    cancel = dialog.get_by_role("button", name="取消", exact=True)
    delete.click()
    expect(cancel).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    delete.click()
    expect(cancel).to_be_focused()
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(detail_url)
    assert Activity.objects.filter(pk=draft.pk, status=ActivityStatus.DRAFT).exists()

    # Another form on the page asks its own question; 确定 is not red there and has the focus.
    page.get_by_role("button", name="提交").click()
    expect(dialog.locator("#confirm-modal-message")).to_contain_text("确定提交吗？")
    expect(ok).to_have_class("btn btn-party")
    expect(ok).to_be_focused()
    answer_confirm(page, "取消")
    expect(dialog).to_be_hidden()
    draft.refresh_from_db()
    assert draft.status == ActivityStatus.DRAFT

    # 确定 sends the form that asked.
    delete.click()
    assert answer_confirm(page) == "确定删除该草稿吗？删除后不能恢复。"
    expect(page).to_have_url(live_server.url + reverse("ledger:activity_list"))
    expect(page.locator(".alert-success")).to_contain_text("已删除草稿“党员大会”")
    assert not Activity.objects.filter(pk=draft.pk).exists()
    assert native == []  # the browser's own dialog never opened
    page.context.close()
