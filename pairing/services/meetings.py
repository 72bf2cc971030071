"""Joint meetings (联席会议): one per pairing each half year, chaired by the 名誉村长 and the
village party leader; the minutes file is optional and content-checked."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pairing.models import JointMeeting, Pairing
from pairing.services.pairings import half_year_of
from portal import audit
from portal.scope import require_any
from portal.uploads import DOCUMENT_FORMATS, MB, safe_name, validate_upload

MEETING_FIELDS = ("date", "place", "unit_chair", "village_chair", "attendees", "topics",
                  "decisions", "minutes")
MINUTES_MAX_BYTES = 10 * MB
HALF_LABELS = {1: "上半年", 2: "下半年"}


def half_label(year, half):
    return f"{year}年{HALF_LABELS[half]}"


def _require_meeting_side(actor, pairing):
    """Either side of the pairing may record: the village secretary or the unit's contact.

    The pairing itself must be visible first: a unit paired with the same village holds
    meeting.change on that village, but not on another unit's pairing with it."""
    if not Pairing.objects.visible_to(actor).filter(pk=pairing.pk).exists():
        raise PermissionDenied("该结对关系不在您的管理范围内。")
    require_any(actor, "meeting.change", (pairing.village_org, pairing.city_org))


def _apply(meeting, fields):
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    minutes = fields.pop("minutes", None)
    for name, value in fields.items():
        setattr(meeting, name, value)
    return minutes


def _check(meeting, pairing):
    """The rules a meeting must meet; raise ValidationError (Chinese) on the first breach."""
    errors = {}
    if meeting.date is None:
        errors["date"] = "请填写会议日期。"
    elif meeting.date > timezone.localdate():
        errors["date"] = "会议日期不能晚于今天。"
    elif meeting.date < pairing.since:
        errors["date"] = f"会议日期不能早于结对日期（{pairing.since:%Y年%m月%d日}）。"
    chair = meeting.unit_chair
    if chair is not None and not chair.home_org.path.startswith(pairing.city_org.path):
        errors["unit_chair"] = f"名誉村长应为“{pairing.city_org.name}”的人员。"
    chair = meeting.village_chair
    if chair is not None and not chair.home_org.path.startswith(pairing.village_org.path):
        errors["village_chair"] = f"村党组织负责人应为“{pairing.village_org.name}”的人员。"
    if errors:
        raise ValidationError(errors)
    meeting.year, meeting.half = half_year_of(meeting.date)
    clash = (JointMeeting.objects.filter(pairing=pairing, year=meeting.year, half=meeting.half)
             .exclude(pk=meeting.pk).first())
    if clash is not None:
        raise ValidationError({"date": (
            f"{half_label(meeting.year, meeting.half)}已登记联席会议（{clash.date:%Y年%m月%d日}），"
            "每半年只登记一次；如需更正请编辑已有记录。")})
    meeting.full_clean(exclude=["pairing", "minutes", "year", "half"])


def _attach_minutes(meeting, minutes):
    try:
        detected = validate_upload(minutes, max_bytes=MINUTES_MAX_BYTES,
                                   formats=DOCUMENT_FORMATS)
    except ValidationError as exc:
        raise ValidationError({"minutes": exc.messages}) from exc
    stem = f"meeting-{meeting.pairing_id}-{meeting.year}-{meeting.half}"
    meeting.minutes.save(safe_name(detected, stem), minutes, save=False)


def _save(meeting, minutes):
    """Save the row (and the new minutes file); a failed save leaves no stored file behind."""
    old_name = meeting.minutes.name if minutes and meeting.minutes else ""
    new_name = ""
    try:
        if minutes:
            _attach_minutes(meeting, minutes)
            new_name = meeting.minutes.name
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:  # a concurrent request recorded this half year first
        _discard(meeting, new_name)
        period = half_label(meeting.year, meeting.half)
        raise ValidationError({"date": f"{period}已登记联席会议，每半年只登记一次。"}) from exc
    except Exception:
        _discard(meeting, new_name)
        raise
    if old_name and old_name != new_name:
        storage = meeting.minutes.storage
        transaction.on_commit(lambda: storage.delete(old_name))


def _discard(meeting, name):
    if name:
        meeting.minutes.storage.delete(name)


@transaction.atomic
def do_record_meeting(pairing, *, actor, **fields) -> JointMeeting:
    """Record the pairing's joint meeting for the half year of `date`."""
    _require_meeting_side(actor, pairing)
    pairing = Pairing.objects.select_for_update().select_related(
        "city_org", "village_org").get(pk=pairing.pk)
    if not pairing.is_active:
        raise ValidationError("该结对关系已结束，不能登记联席会议。", code="state")
    meeting = JointMeeting(pairing=pairing)
    minutes = _apply(meeting, dict(fields))
    _check(meeting, pairing)
    _save(meeting, minutes)
    audit.record(audit.AuditAction.CREATE, f"登记联席会议：{meeting}", actor=actor,
                 pairing=pairing.pk, meeting=meeting.pk)
    return meeting


@transaction.atomic
def do_update_meeting(meeting, *, actor, **fields) -> JointMeeting:
    """Correct a recorded meeting; a new minutes file replaces the old one."""
    meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    pairing = Pairing.objects.select_related("city_org", "village_org").get(pk=meeting.pairing_id)
    _require_meeting_side(actor, pairing)
    minutes = _apply(meeting, dict(fields))
    _check(meeting, pairing)
    _save(meeting, minutes)
    audit.record(audit.AuditAction.UPDATE, f"修改联席会议：{meeting}", actor=actor,
                 pairing=pairing.pk, meeting=meeting.pk)
    return meeting
