"""Browser journey (issue 10): the township admin, on a desktop, plans a 联盟例会 with the host
pre-filled from the rotation (党建活动轮办), records a past meeting as held with its minutes,
attendees and a photo, and finds the alliance on the 季度晾晒 board, also on a 360 px phone."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from alliances.models import Meeting, MeetingKind, MeetingStatus
from tests.alliances.conftest import build_alliances_world
from tests.e2e.helpers import DESKTOP, SMALL_PHONE, fits_width, sign_in

pytestmark = pytest.mark.browser

TITLE = "第四季度联盟例会"
PAST_TITLE = "茶园现场观摩"
MINUTES = "观摩石桥村茶园，交流秋茶管护经验；明年联合办茶叶节。"


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_township_admin_plans_records_and_shows_a_meeting(live_server, transactional_db,
                                                          settings, tmp_path, tree, people,
                                                          township_admin, browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_alliances_world(tree)
    today = timezone.localdate()
    # 青山村 hosted two months ago, 石桥村 hosts the meeting of yesterday (still to be
    # recorded): the rotation's next host is the first member that never hosted.
    Meeting.objects.create(alliance=world.core, kind=MeetingKind.REGULAR, title="上次例会",
                           starts_at=_at(today - datetime.timedelta(days=60), 9),
                           place="青山村村委会", host_org=tree.village_a1, minutes="已开",
                           status=MeetingStatus.HELD, created_by=township_admin)
    past = Meeting.objects.create(alliance=world.core, kind=MeetingKind.SITE_VISIT,
                                  title=PAST_TITLE, place="石桥村茶园",
                                  starts_at=_at(today - datetime.timedelta(days=1), 9, 30),
                                  host_org=tree.village_a2, created_by=township_admin)
    photo = tmp_path / "观摩现场.png"
    Image.new("RGB", (800, 600), (40, 160, 60)).save(photo)

    # 1. Plan a 联盟例会 next week: the host is pre-filled from the rotation.
    page = sign_in(browser, live_server, township_admin, **DESKTOP)
    page.goto(live_server.url + reverse("alliances:meeting_list", args=[world.core.pk]))
    page.get_by_role("link", name="安排会议").click()
    expect(page).to_have_url(live_server.url + reverse("alliances:meeting_plan",
                                                       args=[world.core.pk]))
    host = page.get_by_label("承办成员")
    expect(host).to_have_value(str(world.station.pk))  # never hosted, first by path
    expect(page.get_by_label("类型")).to_have_value(MeetingKind.REGULAR)
    page.get_by_label("主题").fill(TITLE)
    starts = today + datetime.timedelta(days=7)
    page.get_by_label("时间").fill(f"{starts.isoformat()}T09:30")
    page.get_by_label("地点").fill("青山镇党群服务中心")
    page.get_by_label("议程").fill("一、通报季度工作\n二、研究明年服务清单")
    page.get_by_role("button", name="保存计划").click()
    planned = Meeting.objects.get(title=TITLE)
    expect(page).to_have_url(live_server.url + planned.get_absolute_url())
    expect(page.locator(".alert-success")).to_contain_text(f"已安排联盟例会“{TITLE}”")
    expect(page.locator("#meeting-facts")).to_contain_text("青山镇农业综合服务中心")
    expect(page.locator("#meeting-facts")).to_contain_text(
        f"{starts.year}年{starts.month}月{starts.day}日 09:30")
    assert (planned.host_org, planned.status, planned.created_by) == (
        world.station, MeetingStatus.PLANNED, township_admin)
    # Not due yet: nothing to record.
    expect(page.get_by_role("link", name="记录召开情况")).to_have_count(0)

    # 2. Record yesterday's visit as held: minutes and attendees of two member villages.
    page.goto(live_server.url + past.get_absolute_url())
    page.get_by_role("link", name="记录召开情况").click()
    expect(page).to_have_url(live_server.url + reverse("alliances:meeting_held",
                                                       args=[past.pk]))
    page.get_by_label("会议纪要").fill(MINUTES)
    candidates = page.locator("#candidates")
    candidates.get_by_label("李青山").check()
    candidates.get_by_label("王石桥").check()
    page.get_by_role("button", name="保存记录").click()
    expect(page).to_have_url(live_server.url + past.get_absolute_url())
    expect(page.locator(".alert-success")).to_contain_text(f"已记录“{PAST_TITLE}”的召开情况")
    expect(page.locator("#minutes")).to_contain_text(MINUTES)
    attendees = page.locator("#attendees")
    expect(attendees).to_contain_text("参加人员（2 人）")
    expect(attendees).to_contain_text("李青山")
    expect(attendees).to_contain_text("王石桥")

    # 3. A photo: uploaded from the meeting page, shown as a served thumbnail.
    page.locator("#photos").get_by_role("link", name="上传").click()
    page.get_by_label("照片或签到表").set_input_files(str(photo))
    page.get_by_label("说明").fill("现场观摩")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page).to_have_url(live_server.url + past.get_absolute_url() + "#photos")
    expect(page.locator(".alert-success")).to_contain_text("已上传 1 个照片或文件")
    thumbnail = page.locator("#photos").get_by_role("img", name="现场观摩")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()  # loading="lazy"
    page.wait_for_function(
        "() => { const img = document.querySelector('#photos img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    assert 0 < thumbnail.evaluate("img => img.naturalWidth") < 800  # the thumbnail, not the photo
    past.refresh_from_db()
    assert past.status == MeetingStatus.HELD
    assert set(past.attendees.values_list("name", flat=True)) == {"李青山", "王石桥"}
    fits_width(page, 1366)

    # 4. The 季度晾晒 board of 青山镇 shows the alliance, on the desktop and on a phone.
    board_url = live_server.url + reverse("alliances:showcase_board")
    phone = sign_in(browser, live_server, township_admin, **SMALL_PHONE)
    for viewer, width in ((page, 1366), (phone, 360)):
        viewer.goto(board_url)
        expect(viewer.get_by_role("heading", name="季度晾晒")).to_be_visible()
        expect(viewer.locator("main")).to_contain_text("青山镇")
        by_type = viewer.locator("#by-type")
        expect(by_type.get_by_role("link", name="青山镇全域党建联盟")).to_be_visible()
        expect(by_type.get_by_role("link", name="石桥片区绿色发展联盟")).to_be_visible()
        expect(viewer.locator("main")).not_to_contain_text("白水乡全域党建联盟")
        fits_width(viewer, width)
