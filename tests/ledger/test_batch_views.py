"""The 待确认 queue's batch confirm/return (scope, 403, all-or-nothing), its query count with
thumbnails, a locked activity's page and 申请补录, the home's 需申请补录, batch reopening and
batch report filing; and no message of these paths ends in "。。"."""

import io

from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ledger.models import (
    Activity,
    ActivityStatus,
    Evidence,
    MonthReopening,
    ReopenRequest,
    ReopenRequestStatus,
    ReportStatus,
    TownshipReport,
)

QUEUE = reverse("ledger:activity_to_confirm")
CONFIRM = reverse("ledger:activity_batch_confirm")
RETURN = reverse("ledger:activity_batch_return")


def make(org, day, theme, status=ActivityStatus.SUBMITTED, title="入户走访"):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status, title=title,
                                   content="走访困难群众", submitted_at=timezone.now())


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def add_photo(activity, n=0):
    evidence = Evidence(activity=activity, kind="photo", original_name=f"现场{n}.png", size=10)
    evidence.file.save(f"e-{activity.pk}-{n}.png", ContentFile(_png()), save=False)
    evidence.thumbnail.save(f"t-{activity.pk}-{n}.jpg", ContentFile(_png()), save=False)
    evidence.save()
    return evidence


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_batch_confirm_and_return(login, tree, theme, today, township_admin):
    rows = [make(tree.village_a1, today, theme, title=f"活动{n}") for n in range(3)]
    client = login(township_admin)
    response = client.post(CONFIRM, {"ids": [rows[0].pk, rows[1].pk], "next": QUEUE})
    assert response.status_code == 302
    assert texts(response) == ["已确认 2 条活动。"]
    response = client.post(RETURN, {"ids": [rows[2].pk], "reason": "缺少照片"})
    assert texts(response)[-1].startswith("已退回 1 条活动")
    assert [a.status for a in Activity.objects.order_by("id")] == [
        ActivityStatus.CONFIRMED, ActivityStatus.CONFIRMED, ActivityStatus.RETURNED]


def test_batch_return_without_reason_changes_nothing(login, tree, theme, today, township_admin):
    row = make(tree.village_a1, today, theme)
    response = login(township_admin).post(RETURN, {"ids": [row.pk], "reason": ""})
    assert texts(response) == ["没有退回任何活动：退回时请填写原因。"]
    row.refresh_from_db()
    assert row.status == ActivityStatus.SUBMITTED


def test_another_townships_activity_is_not_found(login, tree, theme, today, township_admin):
    mine, theirs = make(tree.village_a1, today, theme), make(tree.village_b1, today, theme)
    response = login(township_admin).post(CONFIRM, {"ids": [mine.pk, theirs.pk]})
    assert response.status_code == 404
    assert set(Activity.objects.values_list("status", flat=True)) == {ActivityStatus.SUBMITTED}


def test_village_secretary_gets_403(login, tree, theme, today, village_secretary):
    row = make(tree.village_a1, today, theme)
    assert login(village_secretary).post(CONFIRM, {"ids": [row.pk]}).status_code == 403


def test_all_or_nothing_names_the_stopping_activity(login, tree, theme, today, township_admin):
    good = make(tree.village_a1, today, theme, title="好的")
    done = make(tree.village_a1, today, theme, status=ActivityStatus.CONFIRMED, title="已确认的")
    response = login(township_admin).post(CONFIRM, {"ids": [good.pk, done.pk]})
    assert texts(response) == ["没有确认任何活动：“青山村 已确认的”：只有待确认的活动可以确认。"]
    good.refresh_from_db()
    assert good.status == ActivityStatus.SUBMITTED


def test_queue_filters_by_village_and_month(login, tree, theme, today, township_admin):
    make(tree.village_a1, today, theme, title="青山的")
    make(tree.village_a2, today, theme, title="石桥的")
    response = login(township_admin).get(QUEUE, {"org": tree.village_a2.pk,
                                                 "month": f"{today:%Y-%m}"})
    assert [a.title for a in response.context["page"]] == ["石桥的"]


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(captured), response


def test_queue_query_count_is_flat_with_thumbnails(login, tree, theme, today, township_admin,
                                                   settings, tmp_path, village_secretary,
                                                   closed_day):
    settings.MEDIA_ROOT = tmp_path
    client = login(township_admin)
    for n in range(2):
        add_photo(make(tree.village_a1, today, theme), n)
    small, _ = _queries(client)
    for n in range(20):
        activity = make(tree.village_a2 if n % 2 else tree.village_a1, today, theme)
        for k in range(n % 5):
            add_photo(activity, k)
    ReopenRequest.objects.create(org=tree.village_a1, year=closed_day.year,
                                 month=closed_day.month, reason="补录")
    large, response = _queries(client)
    assert large == small
    body = response.content.decode()
    assert body.count('class="rounded border object-fit-cover"') == 2 + sum(
        min(n % 5, 3) for n in range(20))
    assert 'id="reopen-request-' in body


def test_locked_activity_shows_reason_and_request(login, tree, theme, closed_day,
                                                  village_secretary, township_admin):
    activity = make(tree.village_a1, closed_day, theme, status=ActivityStatus.RETURNED)
    Activity.objects.filter(pk=activity.pk).update(return_reason="照片不清楚。")
    client = login(village_secretary)
    url = reverse("ledger:activity_detail", args=[activity.pk])
    body = client.get(url).content.decode()
    assert "台账已于" in body and "锁定" in body
    assert reverse("ledger:activity_edit", args=[activity.pk]) not in body
    assert reverse("ledger:activity_submit", args=[activity.pk]) not in body
    assert "申请补录" in body and "。。" not in body
    response = client.post(reverse("ledger:reopen_request_create"), {
        "org": tree.village_a1.pk, "year": closed_day.year, "month": closed_day.month,
        "activity": activity.pk, "reason": "补充照片"})
    assert response.status_code == 302 and response.url == url
    request = ReopenRequest.objects.get()
    assert request.activity == activity
    body = client.get(url).content.decode()
    assert 'id="reopen-request-state"' in body and "待处理" in body
    assert 'id="reopen-request-form"' not in body
    # The township sees it in its queue and grants it: the activity can be edited again.
    admin = login(township_admin)
    assert f'id="reopen-request-{request.pk}"' in admin.get(QUEUE).content.decode()
    admin.post(reverse("ledger:reopen_request_grant", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == ReopenRequestStatus.GRANTED
    client.force_login(village_secretary)
    body = client.get(url).content.decode()
    assert reverse("ledger:activity_edit", args=[activity.pk]) in body


def test_home_lists_returned_items_of_locked_months_apart(login, tree, theme, today, closed_day,
                                                          village_secretary):
    make(tree.village_a1, today, theme, status=ActivityStatus.RETURNED, title="本月退回")
    make(tree.village_a1, closed_day, theme, status=ActivityStatus.RETURNED, title="锁定月退回")
    panel = login(village_secretary).get(reverse("portal:home")).content.decode()
    assert "需申请补录（1）" in panel
    locked_part = panel[panel.index('id="needs-reopen"'):]
    assert "锁定月退回" in locked_part and "本月退回" not in locked_part
    assert "本月退回" in panel[:panel.index('id="needs-reopen"')]


def test_batch_reopen_for_the_whole_township(login, tree, closed_day, township_admin):
    client = login(township_admin)
    url = reverse("ledger:month_reopen_batch")
    assert client.get(url).status_code == 200
    response = client.post(url, {"township": tree.town_a.pk, "all_orgs": "on",
                                 "year": closed_day.year, "month": closed_day.month,
                                 "reason": "系统故障"})
    assert response.status_code == 302
    assert set(MonthReopening.objects.values_list("org__name", flat=True)) == {"青山村", "石桥村"}
    other = client.post(url, {"township": tree.town_b.pk, "all_orgs": "on",
                              "year": closed_day.year, "month": closed_day.month,
                              "reason": "系统故障"})
    assert other.status_code == 404


def test_batch_file_reports(login, tree, county_admin, township_admin):
    reports = [TownshipReport.objects.create(township=t, year=2025, half=2,
                                             status=ReportStatus.SUBMITTED,
                                             submitted_at=timezone.now())
               for t in (tree.town_a, tree.town_b)]
    url = reverse("ledger:report_file_batch")
    assert login(township_admin).post(url, {"ids": [reports[0].pk]}).status_code == 403
    response = login(county_admin).post(url, {"ids": [r.pk for r in reports]})
    assert texts(response) == ["已备案 2 份半年报告。"]
    assert set(TownshipReport.objects.values_list("status", flat=True)) == {ReportStatus.FILED}


def test_no_refusal_message_ends_in_a_doubled_full_stop(login, tree, theme, today, closed_day,
                                                        village_secretary, township_admin):
    """Walk a few refusal paths (reasons typed with their own full stop) and every message and
    page they lead to."""
    seen = []
    admin = login(township_admin)
    submitted = make(tree.village_a1, today, theme)
    confirmed = make(tree.village_a1, today, theme, status=ActivityStatus.CONFIRMED)
    for url, data in [
        (CONFIRM, {"ids": [confirmed.pk]}),
        (RETURN, {"ids": [submitted.pk], "reason": ""}),
        (CONFIRM, {"ids": []}),
        (reverse("ledger:activity_return", args=[submitted.pk]), {"reason": "缺少照片。"}),
    ]:
        response = admin.post(url, data, follow=True)
        seen += texts(response) + [response.content.decode()]
    seen.append(admin.get(reverse("ledger:activity_detail", args=[submitted.pk]))
                .content.decode())
    request = ReopenRequest.objects.create(org=tree.village_a1, year=closed_day.year,
                                           month=closed_day.month, reason="补录。")
    response = admin.post(reverse("ledger:reopen_request_refuse", args=[request.pk]),
                          {"note": ""}, follow=True)
    seen += texts(response)
    secretary = login(village_secretary)
    for data in [{"org": tree.village_a1.pk, "year": today.year, "month": today.month,
                  "reason": "补录。"}]:
        seen.append(secretary.post(reverse("ledger:reopen_request_create"), data)
                    .content.decode())
    seen.append(secretary.get(reverse("ledger:activity_detail", args=[submitted.pk]))
                .content.decode())
    assert any("缺少照片。" in text for text in seen)
    assert any("无需申请补录" in text for text in seen)
    assert not [text for text in seen if "。。" in text]
