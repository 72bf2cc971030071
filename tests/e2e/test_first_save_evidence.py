"""Evidence at first save, in Chromium on a 360-px phone: a village secretary creates an
activity with a photo in one step (no second visit to upload it); 保存并提交 without any
photo asks once in the page's own dialog."""

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from ledger.models import Activity, ActivityStatus
from ledger.views.activities import NO_EVIDENCE_QUESTION
from tests.e2e.helpers import SMALL_PHONE, answer_confirm, fits_width, sign_in

pytestmark = pytest.mark.browser


def _fill(page, title):
    page.select_option("#id_theme", label="科技下乡")
    page.fill("#id_title", title)
    page.fill("#id_content", "请县农业农村局技术员现场讲解果树修剪。")


def test_village_secretary_creates_an_activity_with_a_photo_in_one_step(
        live_server, transactional_db, settings, tmp_path, tree, village_secretary, browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "培训现场.png"
    Image.new("RGB", (800, 600), (40, 160, 60)).save(photo)
    page = sign_in(browser, live_server, village_secretary, **SMALL_PHONE)
    form_url = live_server.url + reverse("ledger:activity_create")

    # 1. A photo chosen on the new-activity form goes with 保存并提交: no question, one step.
    page.goto(form_url)
    _fill(page, "果树修剪培训")
    page.get_by_label("佐证材料（照片或文件）").set_input_files(str(photo))
    fits_width(page)
    page.get_by_role("button", name="保存并提交").click()
    activity = Activity.objects.get(title="果树修剪培训")
    expect(page).to_have_url(live_server.url + reverse("ledger:activity_detail",
                                                       args=[activity.pk]))
    expect(page.locator(".alert-success")).to_contain_text(
        "已提交“果树修剪培训”和 1 个佐证材料，等待乡镇确认。")
    expect(page.locator("#activity-status")).to_contain_text("待确认")
    page.wait_for_function(
        "() => { const img = document.querySelector('#gallery img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    fits_width(page)
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.evidence.get().original_name == "培训现场.png"

    # 2. Without a photo, 保存并提交 asks first: 取消 stays on the form, nothing saved ...
    page.goto(form_url)
    _fill(page, "入户走访")
    page.get_by_role("button", name="保存并提交").click()
    assert answer_confirm(page, "取消") == NO_EVIDENCE_QUESTION
    expect(page).to_have_url(form_url)
    assert not Activity.objects.filter(title="入户走访").exists()
    # ... 确定 submits it without evidence, asked only that once.
    page.get_by_role("button", name="保存并提交").click()
    assert answer_confirm(page) == NO_EVIDENCE_QUESTION
    expect(page.locator(".alert-success")).to_contain_text("已提交“入户走访”，等待乡镇确认。")
    walk = Activity.objects.get(title="入户走访")
    assert walk.status == ActivityStatus.SUBMITTED and not walk.evidence.exists()
    page.context.close()
