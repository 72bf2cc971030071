"""Batch work in the 待确认 queue, in Chromium on a 360-px phone: the township admin ticks
every activity on the page, leaves one out, confirms the rest at once (the page's confirmation
names how many), then returns the one left with a reason."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Activity, ActivityStatus, ActivityTheme, Evidence
from tests.e2e.helpers import answer_confirm, fits_width, sign_in
from tests.ledger.test_batch_views import _png

pytestmark = pytest.mark.browser

COUNT = 20


def test_township_confirms_many_and_returns_one(live_server, transactional_db, settings,
                                                tmp_path, tree, township_admin, browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    theme = ActivityTheme.objects.get(code="serve_masses")
    today = timezone.localdate()
    rows = [Activity.objects.create(
        org=tree.village_a1 if n % 2 else tree.village_a2, date=today, theme=theme,
        title=f"入户走访{n:02d}", status=ActivityStatus.SUBMITTED,
        # a long one-line summary, truncated on the card: it must not widen the page
        content="走访困难群众，" * 20,
        submitted_at=timezone.now()) for n in range(COUNT)]
    photo = Evidence(activity=rows[0], kind="photo", original_name="现场.png", size=10)
    photo.file.save("e.png", ContentFile(_png()), save=False)
    photo.thumbnail.save("t.jpg", ContentFile(_png()), save=False)
    photo.save()
    left_out = rows[-1]

    town = sign_in(browser, live_server, township_admin)
    town.goto(live_server.url + reverse("ledger:activity_to_confirm"))
    expect(town.locator("#activity-queue .card[id^=activity-]")).to_have_count(COUNT)
    expect(town.locator(f"#activity-{rows[0].pk} .queue-thumbs img")).to_have_count(1)
    expect(town.locator("#batch-confirm")).to_be_disabled()
    fits_width(town)

    town.get_by_label("全选本页").check()
    expect(town.locator("[data-selected-count]")).to_have_text(str(COUNT))
    town.locator(f"#pick-{left_out.pk}").uncheck()
    expect(town.locator("[data-selected-count]")).to_have_text(str(COUNT - 1))
    town.get_by_role("button", name="确认所选").click()
    assert answer_confirm(town) == f"确定确认所选的 {COUNT - 1} 条活动吗？确认后不能再修改。"
    expect(town.locator(".alert-success")).to_contain_text(f"已确认 {COUNT - 1} 条活动")
    expect(town.locator("#activity-queue .card[id^=activity-]")).to_have_count(1)

    town.locator(f"#pick-{left_out.pk}").check()
    town.fill("#batch-reason", "缺少活动照片")
    town.get_by_role("button", name="退回所选").click()
    assert answer_confirm(town) == "确定退回所选的 1 条活动吗？"
    expect(town.locator(".alert-success")).to_contain_text("已退回 1 条活动")
    expect(town.locator("main")).to_contain_text("没有待确认的活动")
    fits_width(town)

    statuses = dict(Activity.objects.values_list("pk", "status"))
    assert statuses.pop(left_out.pk) == ActivityStatus.RETURNED
    assert set(statuses.values()) == {ActivityStatus.CONFIRMED}
    left_out.refresh_from_db()
    assert left_out.return_reason == "缺少活动照片"
    town.context.close()
