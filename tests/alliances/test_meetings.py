"""Meetings, site visits and the host rotation (例会、观摩、党建活动轮办): who may plan, edit,
cancel and record; the rules (host a current member, no meeting after a closed alliance's end,
held only once due, attendees from the members' people); photos checked by content with a
thumbnail; next_host and rotation_plan; the pages (scope 404 / capability 403, flat query
counts, the plan form pre-filled from the rotation)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from alliances.models import Meeting, MeetingKind, MeetingPhoto, MeetingStatus, Membership
from alliances.services import meetings as services
from portal.models import AuditEvent
from tests.factories import bulk_people, grant

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def soon(days=7):
    return timezone.now() + datetime.timedelta(days=days)


def ago(days=3):
    return timezone.now() - datetime.timedelta(days=days)


def plan(world, actor, alliance=None, **fields):
    values = {"kind": MeetingKind.REGULAR, "title": "第四季度联盟例会", "starts_at": soon(),
              "place": "青山村党群服务中心", "host_org": world.core.lead_org}
    values.update(fields)
    return services.plan_meeting(alliance or world.core, actor=actor, **values)


# ---------------------------------------------------------------- plan, edit, cancel

def test_managers_plan_and_it_is_audited(alliances_world, tree, township_admin, county_admin):
    meeting = plan(alliances_world, township_admin)
    assert meeting.status == MeetingStatus.PLANNED and meeting.created_by == township_admin
    assert AuditEvent.objects.filter(data__meeting=meeting.pk, action="create").exists()
    assert plan(alliances_world, county_admin, title="观摩", kind=MeetingKind.SITE_VISIT).pk


def test_members_and_other_townships_cannot_plan(alliances_world, village_secretary, tree):
    from tests.conftest import _persona

    with pytest.raises(PermissionDenied):
        plan(alliances_world, village_secretary)
    other = _persona("other_village_secretary", tree)
    with pytest.raises(PermissionDenied):
        plan(alliances_world, other)
    assert not Meeting.objects.exists()


def test_the_host_must_be_a_current_member(alliances_world, tree, township_admin):
    with pytest.raises(ValidationError) as refused:
        plan(alliances_world, township_admin, host_org=tree.village_b1)
    assert "不是本联盟的现有成员" in str(refused.value)
    Membership.objects.filter(alliance=alliances_world.core, org=tree.village_a2).update(
        left_on=datetime.date(2025, 6, 1))
    with pytest.raises(ValidationError) as refused:
        plan(alliances_world, township_admin, host_org=tree.village_a2)
    assert refused.value.error_dict["host_org"][0].code == "host"


def test_no_meeting_after_a_closed_alliance_ended(alliances_world, township_admin):
    core = alliances_world.core
    core.closed_at = datetime.date(2026, 6, 30)
    core.save(update_fields=["closed_at"])
    end = timezone.make_aware(datetime.datetime(2026, 7, 1, 9, 0))
    with pytest.raises(ValidationError) as refused:
        plan(alliances_world, township_admin, starts_at=end)
    assert refused.value.error_dict["starts_at"][0].code == "closed"
    assert "2026年6月30日结束" in str(refused.value)
    before = timezone.make_aware(datetime.datetime(2026, 6, 30, 9, 0))
    assert plan(alliances_world, township_admin, starts_at=before).pk


def test_edit_only_while_planned(alliances_world, tree, township_admin, village_secretary):
    meeting = plan(alliances_world, township_admin)
    edited = services.edit_meeting(meeting, actor=township_admin, title="改期例会",
                                   host_org=tree.village_a2)
    assert (edited.title, edited.host_org) == ("改期例会", tree.village_a2)
    assert AuditEvent.objects.filter(data__meeting=meeting.pk, action="update").exists()
    with pytest.raises(PermissionDenied):
        services.edit_meeting(meeting, actor=village_secretary, title="x")
    services.cancel_meeting(meeting, actor=township_admin, reason="与防汛工作冲突")
    with pytest.raises(ValidationError) as refused:
        services.edit_meeting(meeting, actor=township_admin, title="再改")
    assert refused.value.code == "state"


def test_cancel_needs_a_reason_and_keeps_it(alliances_world, township_admin):
    meeting = plan(alliances_world, township_admin)
    with pytest.raises(ValidationError):
        services.cancel_meeting(meeting, actor=township_admin, reason="  ")
    cancelled = services.cancel_meeting(meeting, actor=township_admin, reason=" 与防汛工作冲突 ")
    assert cancelled.status == MeetingStatus.CANCELLED
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.cancel_reason, stored.minutes) == ("与防汛工作冲突", "")
    assert AuditEvent.objects.filter(data__meeting=meeting.pk, action="transition",
                                     data__reason="与防汛工作冲突").exists()
    with pytest.raises(ValidationError) as refused:
        services.cancel_meeting(meeting, actor=township_admin, reason="再取消")
    assert refused.value.code == "state"


# ---------------------------------------------------------------- held

def test_held_with_minutes_and_the_members_people(alliances_world, tree, people,
                                                  township_admin):
    meeting = plan(alliances_world, township_admin, starts_at=ago())
    held = services.record_held(meeting, actor=township_admin, minutes="交流了茶产业经验",
                                attendees=[people.a1, people.a2])
    assert held.status == MeetingStatus.HELD
    assert set(held.attendees.all()) == {people.a1, people.a2}
    corrected = services.record_held(meeting, actor=township_admin, minutes="更正纪要",
                                     attendees=[people.a1])
    assert list(corrected.attendees.all()) == [people.a1]
    assert AuditEvent.objects.filter(data__meeting=meeting.pk).count() == 3


def test_attendees_from_outside_the_members_are_refused(alliances_world, people,
                                                        township_admin):
    meeting = plan(alliances_world, township_admin, starts_at=ago())
    for outsider in (people.b1, people.unit):  # another township's village; a non-member unit
        with pytest.raises(ValidationError) as refused:
            services.record_held(meeting, actor=township_admin, minutes="纪要",
                                 attendees=[people.a1, outsider])
        assert refused.value.error_dict["attendees"][0].code == "attendee"
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_people_under_a_member_may_attend(alliances_world, tree, township_admin):
    """关系在支部: a person of a branch under a member organization takes part too."""
    from tests.factories import bulk_orgs

    branch = bulk_orgs([("branch", alliances_world.enterprise, "青山茶业党支部", "branch",
                         {})])["branch"]
    member = bulk_people(m={"name": "钱支部", "home_org": branch})["m"]
    meeting = plan(alliances_world, township_admin, starts_at=ago())
    held = services.record_held(meeting, actor=township_admin, minutes="纪要",
                                attendees=[member])
    assert list(held.attendees.all()) == [member]


def test_not_held_before_its_time_nor_when_cancelled(alliances_world, people, township_admin):
    meeting = plan(alliances_world, township_admin)
    with pytest.raises(ValidationError) as refused:
        services.record_held(meeting, actor=township_admin, minutes="纪要",
                             attendees=[people.a1])
    assert refused.value.code == "future"
    past = plan(alliances_world, township_admin, starts_at=ago())
    services.cancel_meeting(past, actor=township_admin, reason="取消")
    with pytest.raises(ValidationError) as refused:
        services.record_held(past, actor=township_admin, minutes="纪要", attendees=[people.a1])
    assert refused.value.code == "state"


def test_the_host_member_records_but_another_member_does_not(alliances_world, tree, people,
                                                             township_admin,
                                                             village_secretary):
    hosted = plan(alliances_world, township_admin, starts_at=ago(), host_org=tree.village_a1)
    services.record_held(hosted, actor=village_secretary, minutes="纪要", attendees=[people.a1])
    other = plan(alliances_world, township_admin, starts_at=ago(), host_org=tree.village_a2)
    with pytest.raises(PermissionDenied):
        services.record_held(other, actor=village_secretary, minutes="纪要",
                             attendees=[people.a1])


# ---------------------------------------------------------------- photos

def held_meeting(world, actor, people):
    meeting = plan(world, actor, starts_at=ago())
    return services.record_held(meeting, actor=actor, minutes="纪要", attendees=[people.a1])


def test_photos_are_checked_stored_with_a_thumbnail_and_removed(
        alliances_world, people, township_admin, media, django_capture_on_commit_callbacks):
    meeting = held_meeting(alliances_world, township_admin, people)
    photo, sheet = services.add_photos(meeting, actor=township_admin, caption="现场",
                                       files=[SimpleUploadedFile("a.png", png_bytes()),
                                              SimpleUploadedFile("签到表.pdf", PDF)])
    assert services.is_image(photo) and not services.is_image(sheet)
    photo.refresh_from_db()
    thumb = photo.thumbnail.name
    assert thumb.startswith("alliances/meetings/thumbs/") and photo.thumbnail.storage.exists(thumb)
    with Image.open(photo.thumbnail.open("rb")) as image:
        assert image.format == "JPEG" and max(image.size) <= 320
    photo.thumbnail.close()
    assert not MeetingPhoto.objects.get(pk=sheet.pk).thumbnail
    assert AuditEvent.objects.filter(data__meeting=meeting.pk, action="create",
                                     data__photos=[photo.pk, sheet.pk]).exists()
    name = photo.file.name
    with pytest.raises(ValidationError) as refused:
        services.add_photos(meeting, actor=township_admin,
                            files=[SimpleUploadedFile("ok.png", png_bytes()),
                                   SimpleUploadedFile("x.pdf", b"MZ not a pdf")])
    assert "“x.pdf”" in str(refused.value)
    assert MeetingPhoto.objects.filter(meeting=meeting).count() == 2  # all or nothing
    with pytest.raises(ValidationError):
        services.add_photos(meeting, actor=township_admin, files=[SimpleUploadedFile(
            "big.pdf", PDF + b"0" * services.PHOTO_MAX_BYTES)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.remove_photo(photo, actor=township_admin)
    storage = photo.file.storage
    assert storage.exists(name) and storage.exists(thumb)  # not before the commit
    for callback in callbacks:
        callback()
    assert not storage.exists(name) and not storage.exists(thumb)
    assert MeetingPhoto.objects.filter(meeting=meeting).count() == 1


def test_photos_only_for_a_held_meeting_and_by_those_who_record(alliances_world, people,
                                                                township_admin,
                                                                village_secretary, media):
    planned = plan(alliances_world, township_admin)
    with pytest.raises(ValidationError) as refused:
        services.add_photos(planned, actor=township_admin,
                            files=[SimpleUploadedFile("a.png", png_bytes())])
    assert refused.value.code == "state"
    held = held_meeting(alliances_world, township_admin, people)
    held.host_org = alliances_world.station
    held.save(update_fields=["host_org"])
    with pytest.raises(PermissionDenied):
        services.add_photos(held, actor=village_secretary,
                            files=[SimpleUploadedFile("a.png", png_bytes())])


def test_an_upload_failing_midway_leaves_no_files(alliances_world, people, township_admin,
                                                  media, monkeypatch):
    meeting = held_meeting(alliances_world, township_admin, people)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.add_photos(meeting, actor=township_admin,
                            files=[SimpleUploadedFile("a.png", png_bytes()),
                                   SimpleUploadedFile("b.png", png_bytes())])
    assert not MeetingPhoto.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_removing_a_photo_keeps_files_another_photo_shares(alliances_world, people,
                                                           township_admin, media,
                                                           django_capture_on_commit_callbacks):
    """The demo's photos share a few images: removing one photo must not break the others."""
    meeting = held_meeting(alliances_world, township_admin, people)
    photo = services.add_photos(meeting, actor=township_admin,
                                files=[SimpleUploadedFile("a.png", png_bytes())])[0]
    twin = MeetingPhoto.objects.create(meeting=meeting, file=photo.file.name,
                                       thumbnail=photo.thumbnail.name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_photo(photo, actor=township_admin)
    assert twin.file.storage.exists(twin.file.name)
    assert twin.thumbnail.storage.exists(twin.thumbnail.name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_photo(twin, actor=township_admin)
    assert not twin.file.storage.exists(twin.file.name)
    assert not twin.thumbnail.storage.exists(twin.thumbnail.name)


# ---------------------------------------------------------------- rotation

def test_next_host_never_hosted_first_then_oldest_ties_by_path(alliances_world, tree,
                                                                township_admin):
    world = alliances_world
    members = list(services.current_members(world.core))
    assert services.next_host(world.core) == members[0]  # nobody hosted: the first path
    first = plan(world, township_admin, host_org=members[0], starts_at=ago(30))
    order = [org for org, _ in services.rotation_order(world.core)]
    assert order == members[1:] + [members[0]]
    for org in members[1:]:
        plan(world, township_admin, host_org=org, starts_at=ago(10))
    # Everyone hosted: the oldest last hosting leads, then the rest (same time) by path.
    assert [org for org, _ in services.rotation_order(world.core)] == members
    services.edit_meeting(first, actor=township_admin, starts_at=ago(5))
    assert services.next_host(world.core) == members[1]


def test_a_cancelled_meeting_hosts_nothing(alliances_world, township_admin):
    world = alliances_world
    members = list(services.current_members(world.core))
    meeting = plan(world, township_admin, host_org=members[0])
    assert services.next_host(world.core) == members[1]
    services.cancel_meeting(meeting, actor=township_admin, reason="取消")
    assert services.next_host(world.core) == members[0]


def test_rotation_plan_cycles_the_order_month_by_month(alliances_world, township_admin):
    world = alliances_world
    members = list(services.current_members(world.area_2))  # three members
    plan(world, township_admin, alliance=world.area_2, host_org=members[0])
    today = datetime.date(2026, 11, 28)
    rows = services.rotation_plan(world.area_2, 5, today=today)
    assert [month for month, _ in rows] == [datetime.date(2026, 11, 1),
                                             datetime.date(2026, 12, 1),
                                             datetime.date(2027, 1, 1),
                                             datetime.date(2027, 2, 1),
                                             datetime.date(2027, 3, 1)]
    assert [org for _, org in rows] == [members[1], members[2], members[0], members[1],
                                        members[2]]
    world.area_2.closed_at = datetime.date(2026, 11, 1)
    assert services.rotation_plan(world.area_2) == [] and services.next_host(world.area_2) is None


# ---------------------------------------------------------------- pages

def test_the_plan_form_prefills_the_next_host(alliances_world, township_admin, login):
    members = list(services.current_members(alliances_world.core))
    plan(alliances_world, township_admin, host_org=members[0])
    page = login(township_admin).get(url("meeting_plan", alliances_world.core.pk))
    assert page.status_code == 200
    assert page.context["form"].initial["host_org"] == members[1].pk


def test_plan_through_the_page(alliances_world, tree, township_admin, login):
    client = login(township_admin)
    start = soon().astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("meeting_plan", alliances_world.core.pk), {
        "kind": "site_visit", "title": "茶园观摩", "starts_at": start, "place": "茶园",
        "host_org": tree.village_a2.pk, "agenda": ""})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    response = client.post(url("meeting_plan", alliances_world.core.pk), {
        "kind": "site_visit", "title": "再观摩", "starts_at": start, "place": "茶园",
        "host_org": tree.village_b1.pk})
    assert response.status_code == 200 and Meeting.objects.count() == 1


def test_detail_shows_minutes_attendees_and_photos(alliances_world, people, township_admin,
                                                   village_secretary, login, media):
    meeting = held_meeting(alliances_world, township_admin, people)
    photo, sheet = services.add_photos(meeting, actor=township_admin, files=[
        SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("s.pdf", PDF)])
    client = login(village_secretary)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "纪要" in page and people.a1.name in page
    assert url("meeting_photo_thumb", photo.pk) in page and url("meeting_photo", sheet.pk) in page
    thumb = client.get(url("meeting_photo_thumb", photo.pk))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert image.size[0] <= 320
    download = client.get(url("meeting_photo", sheet.pk))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert client.get(url("meeting_photo_thumb", sheet.pk)).status_code == 404


def test_the_thumbnail_page_serves_the_field_or_else_the_photo(alliances_world, people,
                                                               township_admin, login, media):
    meeting = held_meeting(alliances_world, township_admin, people)
    photo = services.add_photos(meeting, actor=township_admin,
                                files=[SimpleUploadedFile("a.png", png_bytes((900, 600)))])[0]
    client = login(township_admin)

    def served():
        response = client.get(url("meeting_photo_thumb", photo.pk))
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    with photo.thumbnail.open("rb") as handle:
        assert served() == handle.read()
    photo.thumbnail.storage.delete(photo.thumbnail.name)  # lost on disk: the photo instead
    with photo.file.open("rb") as handle:
        original = handle.read()
    assert served() == original
    MeetingPhoto.objects.filter(pk=photo.pk).update(thumbnail="")  # none stored (the demo's)
    assert served() == original


def test_a_cancelled_meeting_shows_its_reason_on_the_page_and_in_the_list(
        alliances_world, township_admin, village_secretary, login):
    meeting = plan(alliances_world, township_admin, title="防汛期间例会")
    services.cancel_meeting(meeting, actor=township_admin, reason="因防汛工作需要取消")
    client = login(village_secretary)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert 'id="cancel-reason"' in page and "因防汛工作需要取消" in page
    assert 'id="minutes"' not in page
    listing = client.get(url("meeting_list", alliances_world.core.pk)).content.decode()
    assert "因防汛工作需要取消" in listing


def test_held_page_refuses_attendees_from_outside(alliances_world, people, township_admin,
                                                  login):
    meeting = plan(alliances_world, township_admin, starts_at=ago())
    client = login(township_admin)
    page = client.get(url("meeting_held", meeting.pk), {"q": "李"})
    assert [p.pk for p in page.context["candidates"]] == [people.a1.pk]
    response = client.post(url("meeting_held", meeting.pk),
                           {"minutes": "纪要", "attendees": [people.a1.pk, people.b1.pk]})
    assert response.status_code == 200 and "不属于本联盟现有成员组织" in response.content.decode()
    response = client.post(url("meeting_held", meeting.pk),
                           {"minutes": "纪要", "attendees": [people.a1.pk]})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD


def test_cancel_asks_first_and_says_why_it_failed(alliances_world, township_admin, login):
    meeting = plan(alliances_world, township_admin)
    client = login(township_admin)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "data-confirm" in page and url("meeting_cancel", meeting.pk) in page
    response = client.post(url("meeting_cancel", meeting.pk), {"reason": ""}, follow=True)
    assert "未能取消" in response.content.decode()
    client.post(url("meeting_cancel", meeting.pk), {"reason": "改期"})
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED


def test_list_filters_by_kind_and_status(alliances_world, township_admin, login):
    plan(alliances_world, township_admin, title="例会甲")
    visit = plan(alliances_world, township_admin, title="观摩乙", kind=MeetingKind.SITE_VISIT)
    services.cancel_meeting(visit, actor=township_admin, reason="取消")
    client = login(township_admin)
    page = client.get(url("meeting_list", alliances_world.core.pk), {"kind": "site_visit"})
    assert [m.title for m in page.context["page"]] == ["观摩乙"]
    page = client.get(url("meeting_list", alliances_world.core.pk), {"status": "planned"})
    assert [m.title for m in page.context["page"]] == ["例会甲"]


def test_a_county_task_alliances_member_sees_its_meetings(alliances_world, tree, people,
                                                          county_admin, village_secretary,
                                                          login):
    from alliances.models import Alliance, AllianceKind

    task = Alliance.objects.create(name="全县茶产业任务联盟", kind=AllianceKind.TASK,
                                   type=alliances_world.green, owner=tree.county,
                                   founded=datetime.date(2025, 3, 1))
    Membership.objects.create(alliance=task, org=tree.village_a1,
                              joined_on=datetime.date(2025, 3, 1))
    meeting = plan(alliances_world, county_admin, alliance=task, host_org=tree.village_a1)
    client = login(village_secretary)
    assert client.get(url("meeting_detail", meeting.pk)).status_code == 200
    upcoming = client.get(url("meeting_upcoming"))
    assert meeting in list(upcoming.context["page"])


def test_upcoming_lists_only_planned_future_meetings_in_scope(alliances_world, people,
                                                              township_admin, county_admin,
                                                              login):
    future = plan(alliances_world, township_admin, title="下周例会")
    plan(alliances_world, township_admin, title="上月例会", starts_at=ago(30))
    other = plan(alliances_world, county_admin, alliance=alliances_world.other_core,
                 host_org=alliances_world.other_core.memberships.first().org)
    assert list(login(township_admin).get(url("meeting_upcoming")).context["page"]) == [future]
    seen = list(login(county_admin).get(url("meeting_upcoming")).context["page"])
    assert set(seen) == {future, other}


def count_queries(client, address, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params or {})
    assert response.status_code == 200
    return len(captured)


def _many_meetings(world, people, n):
    members = list(services.current_members(world.core))
    meetings = Meeting.objects.bulk_create(
        Meeting(alliance=world.core, title=f"例会{i}", starts_at=ago(i + 1), place="村部",
                host_org=members[i % len(members)], status=MeetingStatus.HELD, minutes="纪要")
        for i in range(n))
    for meeting in meetings:
        meeting.attendees.add(people.a1, people.a2)
    return meetings


def test_pages_keep_their_query_count(alliances_world, people, township_admin, login, media):
    client = login(township_admin)
    core = alliances_world.core
    meeting = held_meeting(alliances_world, township_admin, people)
    services.add_photos(meeting, actor=township_admin,
                        files=[SimpleUploadedFile("a.png", png_bytes())])
    plan(alliances_world, township_admin)
    pages = [(url("meeting_list", core.pk), None), (url("rotation", core.pk), None),
             (url("meeting_upcoming"), None), (url("meeting_detail", meeting.pk), None),
             (url("meeting_held", meeting.pk), None)]
    small = [count_queries(client, address, params) for address, params in pages]
    _many_meetings(alliances_world, people, 30)
    extra = bulk_people(**{f"p{i}": {"name": f"人员{i}", "home_org": alliances_world.station}
                           for i in range(20)})
    meeting.attendees.add(*extra.values())
    services.add_photos(meeting, actor=township_admin,
                        files=[SimpleUploadedFile(f"{i}.png", png_bytes()) for i in range(5)])
    for _ in range(10):
        plan(alliances_world, township_admin)
    assert [count_queries(client, address, params) for address, params in pages] == small


def test_a_member_of_another_role_gets_403_on_record_pages(alliances_world, tree, people,
                                                           township_admin, login):
    from django.contrib.auth import get_user_model

    meeting = held_meeting(alliances_world, township_admin, people)
    contact = get_user_model().objects.create(username="station_contact")
    grant(contact, alliances_world.station, "unit_contact")
    client = login(contact)
    assert client.get(url("meeting_detail", meeting.pk)).status_code == 200
    assert client.get(url("meeting_held", meeting.pk)).status_code == 403
    meeting.host_org = alliances_world.station
    meeting.save(update_fields=["host_org"])
    assert client.get(url("meeting_held", meeting.pk)).status_code == 200
    assert client.get(url("meeting_edit", meeting.pk)).status_code == 403
