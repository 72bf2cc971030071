"""The activity ledger end to end, in Chromium on a 360-px phone: a village secretary logs an
activity with a villager and a talent of the paired unit chosen through the picker, attaches
a photo and submits it; the township admin confirms it from the 待确认 queue."""

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from ledger.models import Activity, ActivityStatus
from pairing.services.pairings import do_create_pairing
from tests.e2e.helpers import answer_confirm, fits_width, sign_in

pytestmark = pytest.mark.browser

TITLE = "科技下乡：果树修剪培训"






def test_log_with_participants_and_photo_then_confirm(live_server, transactional_db, settings,
                                                      tmp_path, tree, people, county_admin,
                                                      village_secretary, township_admin,
                                                      browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    do_create_pairing(tree.unit, tree.village_a1, actor=county_admin, principles=["near"])
    photo = tmp_path / "培训现场.png"
    Image.new("RGB", (800, 600), (40, 160, 60)).save(photo)

    # 1. The secretary opens the form on a phone: her village is preselected, today's date.
    secretary = sign_in(browser, live_server, village_secretary)
    secretary.goto(live_server.url + reverse("ledger:activity_list"))
    secretary.get_by_role("link", name="登记活动").first.click()
    expect(secretary).to_have_url(live_server.url + reverse("ledger:activity_create"))
    expect(secretary.locator("#id_org")).to_have_value(str(tree.village_a1.pk))
    expect(secretary.locator("#id_date")).to_have_value(timezone.localdate().isoformat())
    secretary.select_option("#id_theme", label="科技下乡")
    secretary.fill("#id_title", TITLE)
    secretary.fill("#id_place", "青山村果园")
    secretary.fill("#id_content", "请县农业农村局技术员现场讲解果树修剪。")
    secretary.fill("#id_beneficiaries", "25")

    # 2. Participants through the picker: the paired unit's talent is offered as a chip,
    # the villager is found by searching.
    expect(secretary.locator("#participant-fallback")).to_have_count(0)
    chip = secretary.locator("#participant-suggestions").get_by_role("button", name="陈农业")
    expect(chip).to_contain_text("结对人才")
    chip.click()
    secretary.fill("#participant-q", "李青")
    secretary.locator("#participant-results").get_by_role("button", name="李青山").click()
    rows = secretary.locator("#participant-rows .participant-row")
    expect(rows).to_have_count(2)
    secretary.fill(f"#id_hours_{people.a1.pk}", "3")
    secretary.select_option(f"#id_role_{people.a1.pk}", "organizer")
    expect(chip).to_be_hidden()  # already chosen
    fits_width(secretary)
    secretary.get_by_role("button", name="保存草稿").click()

    activity = Activity.objects.get(title=TITLE)
    detail_url = live_server.url + reverse("ledger:activity_detail", args=[activity.pk])
    expect(secretary).to_have_url(detail_url)
    expect(secretary.locator(".alert-success")).to_contain_text("已保存")
    expect(secretary.locator("#participants tbody tr")).to_have_count(2)
    expect(secretary.locator("#participants")).to_contain_text("李青山")
    expect(secretary.locator("#participants")).to_contain_text("组织者")
    assert secretary.evaluate("window.localStorage.length") == 0  # the draft was cleared

    # 3. A photo, then submit (answering the page's confirmation).
    secretary.set_input_files("#id_files", str(photo))
    secretary.locator("#evidence-upload button[type=submit]").click()
    expect(secretary.locator(".alert-success")).to_contain_text("已上传 1 个佐证材料")
    thumbnail = secretary.locator("#gallery img")
    expect(thumbnail).to_have_count(1)
    # The thumbnail is served (not only listed): wait for it to load, then check its size.
    secretary.wait_for_function(
        "() => { const img = document.querySelector('#gallery img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    assert thumbnail.evaluate("img => img.naturalWidth") == 320
    fits_width(secretary)
    secretary.get_by_role("button", name="提交").click()
    assert "确定提交" in answer_confirm(secretary)
    expect(secretary.locator(".alert-success")).to_contain_text("等待乡镇确认")
    expect(secretary.locator("#activity-status")).to_contain_text("待确认")
    secretary.context.close()

    # 4. The township admin confirms it from the 待确认 queue.
    town = sign_in(browser, live_server, township_admin)
    town.goto(live_server.url + reverse("ledger:activity_list"))
    town.get_by_role("link", name="待确认").click()
    queue_url = live_server.url + reverse("ledger:activity_to_confirm")
    expect(town).to_have_url(queue_url)
    card = town.locator(f"#activity-{activity.pk}")
    expect(card).to_contain_text(TITLE)
    expect(card).to_contain_text("2 人参与")
    expect(card).to_contain_text("1 个佐证材料")
    fits_width(town)
    card.get_by_role("button", name="确认").click()
    assert "确认该活动吗" in answer_confirm(town)
    expect(town).to_have_url(queue_url)
    expect(town.locator(".alert-success")).to_contain_text(f"已确认“青山村”的活动“{TITLE}”")
    expect(town.locator("main")).to_contain_text("没有待确认的活动")
    town.goto(detail_url)
    expect(town.locator("#activity-status")).to_contain_text("已确认")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CONFIRMED
    assert activity.confirmed_by == township_admin
    assert activity.evidence.get().kind == "photo"
    town.context.close()
