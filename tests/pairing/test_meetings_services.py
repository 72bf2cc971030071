"""Joint meeting rules: one per pairing per half year, no future dates, chairs from the right
side, minutes content-checked, either side of the pairing may record."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pairing.models import JointMeeting
from pairing.services import meetings
from pairing.services.pairings import do_end_pairing
from tests.factories import UserFactory, add_org, grant

MARCH = datetime.date(2026, 3, 10)
MAY = datetime.date(2026, 5, 20)
SEPTEMBER = datetime.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def fields(day=MARCH, **extra):
    return {"date": day, "place": "青山村党群服务中心", "attendees": "双方党员代表12人",
            "topics": "年度共建项目推进", **extra}


def png_upload(name="minutes.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_year_and_half_come_from_the_date(pairing, village_secretary):
    first = meetings.do_record_meeting(pairing, actor=village_secretary, **fields(MARCH))
    second = meetings.do_record_meeting(pairing, actor=village_secretary, **fields(SEPTEMBER))
    assert (first.year, first.half) == (2026, 1)
    assert (second.year, second.half) == (2026, 2)


def test_second_meeting_in_the_same_half_year_is_refused(pairing, village_secretary,
                                                         unit_contact):
    meetings.do_record_meeting(pairing, actor=village_secretary, **fields(MARCH))
    with pytest.raises(ValidationError, match="2026年上半年已登记联席会议") as caught:
        meetings.do_record_meeting(pairing, actor=unit_contact, **fields(MAY))
    assert "date" in caught.value.error_dict
    assert JointMeeting.objects.filter(pairing=pairing).count() == 1


def test_future_date_is_refused(pairing, village_secretary):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        meetings.do_record_meeting(pairing, actor=village_secretary, **fields(tomorrow))
    assert not JointMeeting.objects.exists()


def test_date_before_the_pairing_is_refused(pairing, village_secretary):
    with pytest.raises(ValidationError, match="不能早于结对日期"):
        meetings.do_record_meeting(pairing, actor=village_secretary,
                                   **fields(datetime.date(2025, 12, 1)))


def test_chairs_must_come_from_their_side(tree, pairing, people, village_secretary):
    with pytest.raises(ValidationError, match="名誉村长应为“县农业农村局”的人员"):
        meetings.do_record_meeting(pairing, actor=village_secretary,
                                   **fields(unit_chair=people.a1))
    with pytest.raises(ValidationError, match="村党组织负责人应为“青山村”的人员"):
        meetings.do_record_meeting(pairing, actor=village_secretary,
                                   **fields(village_chair=people.unit))
    meeting = meetings.do_record_meeting(pairing, actor=village_secretary,
                                         **fields(unit_chair=people.unit,
                                                  village_chair=people.a1))
    assert (meeting.unit_chair, meeting.village_chair) == (people.unit, people.a1)


def test_either_side_may_record_but_not_others(tree, pairing, unit_contact, talent,
                                               township_admin, other_village_secretary):
    for actor in (talent, township_admin, other_village_secretary):
        with pytest.raises(PermissionDenied):
            meetings.do_record_meeting(pairing, actor=actor, **fields())
    other_unit = add_org(tree.county, "县教育局", "unit")
    other_contact = UserFactory(username="other_contact")
    grant(other_contact, other_unit, "unit_contact")
    with pytest.raises(PermissionDenied):
        meetings.do_record_meeting(pairing, actor=other_contact, **fields())
    assert meetings.do_record_meeting(pairing, actor=unit_contact, **fields()).pk


def test_ended_pairing_takes_no_meeting(pairing, county_admin, village_secretary):
    do_end_pairing(pairing, actor=county_admin)
    with pytest.raises(ValidationError, match="已结束"):
        meetings.do_record_meeting(pairing, actor=village_secretary, **fields())


def test_minutes_are_content_checked(pairing, village_secretary, media_root):
    renamed = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00" + b"\x00" * 100,
                                 content_type="application/pdf")
    with pytest.raises(ValidationError, match="不是有效的") as caught:
        meetings.do_record_meeting(pairing, actor=village_secretary,
                                   **fields(minutes=renamed))
    assert "minutes" in caught.value.error_dict
    assert not JointMeeting.objects.exists()
    meeting = meetings.do_record_meeting(pairing, actor=village_secretary,
                                         **fields(minutes=png_upload("纪要.exe")))
    assert meeting.minutes.name.endswith(".png")
    assert (media_root / meeting.minutes.name).exists()


def test_refused_meeting_leaves_no_file(pairing, village_secretary, media_root):
    meetings.do_record_meeting(pairing, actor=village_secretary, **fields(MARCH))
    with pytest.raises(ValidationError):
        meetings.do_record_meeting(pairing, actor=village_secretary,
                                   **fields(MAY, minutes=png_upload()))
    assert not list((media_root).rglob("*.png"))


def test_update_keeps_one_meeting_per_half(pairing, village_secretary, unit_contact):
    march = meetings.do_record_meeting(pairing, actor=village_secretary, **fields(MARCH))
    september = meetings.do_record_meeting(pairing, actor=village_secretary,
                                           **fields(SEPTEMBER))
    updated = meetings.do_update_meeting(march, actor=unit_contact, date=MAY, decisions="修路")
    assert (updated.date, updated.half, updated.decisions) == (MAY, 1, "修路")
    with pytest.raises(ValidationError, match="2026年上半年已登记"):
        meetings.do_update_meeting(september, actor=village_secretary, date=MARCH)
    september.refresh_from_db()
    assert (september.date, september.half) == (SEPTEMBER, 2)


def test_update_replaces_minutes(pairing, village_secretary, media_root,
                                 django_capture_on_commit_callbacks):
    meeting = meetings.do_record_meeting(pairing, actor=village_secretary,
                                         **fields(minutes=png_upload()))
    old_name = meeting.minutes.name
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meetings.do_update_meeting(meeting, actor=village_secretary,
                                             minutes=png_upload())
    assert meeting.minutes.name != old_name
    assert not (media_root / old_name).exists()
    assert (media_root / meeting.minutes.name).exists()


def test_unknown_field_is_a_programming_error(pairing, village_secretary):
    with pytest.raises(TypeError):
        meetings.do_record_meeting(pairing, actor=village_secretary, **fields(year=2020))
    assert not JointMeeting.objects.exists()


def test_service_refuses_another_units_pairing_with_the_same_village(tree, unit_contact):
    """The unit's contact holds meeting.change on its paired village, not on other units'
    pairings with that village: the service itself refuses (not only the views)."""
    import datetime

    from django.core.exceptions import PermissionDenied

    from pairing.models import Pairing
    from pairing.services.meetings import do_record_meeting
    from tests.factories import add_org

    other_unit = add_org(tree.county, "县教育局", "unit")
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                           since=datetime.date(2026, 1, 1))
    theirs = Pairing.objects.create(city_org=other_unit, village_org=tree.village_a1,
                                    since=datetime.date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        do_record_meeting(theirs, actor=unit_contact, date=datetime.date(2026, 3, 1),
                          place="村委会", attendees="甲、乙", topics="议题")


def test_recording_and_correcting_write_audit_rows(pairing, village_secretary, unit_contact):
    from portal.models.audit import AuditAction, AuditEvent

    meeting = meetings.do_record_meeting(pairing, actor=village_secretary, **fields())
    meetings.do_update_meeting(meeting, actor=unit_contact, **fields(place="单位会议室"))
    rows = list(AuditEvent.objects.filter(data__meeting=meeting.pk).order_by("id")
                .values_list("action", "actor__username"))
    assert rows == [(AuditAction.CREATE, "village_secretary"),
                    (AuditAction.UPDATE, "unit_contact")]
