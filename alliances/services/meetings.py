"""例会, 观摩 and 党建活动轮办 (003 二.3, 二.7): an alliance's meetings and site visits, their
minutes, attendees and photos, and the rotation of hosts among the members.

- The owner's managers (alliance.manage) plan, edit and cancel; they and the host member's
  secretary or contact (alliances.membership) record the meeting as held and add photos.
- The host is a current member; no meeting is dated after a closed alliance's end or before it
  was founded; a meeting is recorded as held only once its time has come.
- Attendees are people whose home organization is (under) a current member: 关系在支部、
  活动共参与 — they stay in their own branch and take part in the alliance's activities.
- Photos (JPEG/PNG, re-encoded without metadata, their thumbnail in MeetingPhoto.thumbnail)
  and PDFs (scanned sign-in sheets) are checked by content through portal.uploads; a removed
  photo's files go once the removal is committed.
- The rotation: the next host is the current member that hosted least recently (never first,
  then the oldest last hosting; ties by organization path); a cancelled meeting hosts nothing.

Permission first (403), then state (ValidationError with a code); one transaction per action
with its audit row; the meeting row is locked where two writers could race.
"""

import datetime
import secrets
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from alliances.membership import member_orgs_of
from alliances.models import (
    Alliance,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    MeetingStatus,
    Membership,
)
from portal import audit
from portal.images import process_image
from portal.models import Organization, Person
from portal.scope import has_capability, require, under_any_path
from portal.uploads import DOCUMENT_FORMATS, IMAGE_FORMATS, MB, safe_name, validate_upload

MANAGE = "alliance.manage"
PHOTO_MAX_BYTES = 10 * MB
MAX_PHOTOS_PER_UPLOAD = 10
REASON_MAX = 300
EDITABLE_FIELDS = ("kind", "title", "starts_at", "place", "host_org", "agenda")


def _refused(field, message, code):
    return ValidationError({field: ValidationError(message, code=code)})


# ---------------------------------------------------------------- who may do what

def visible_meetings(user):
    """Meetings of the alliances the user sees (a member of a county task alliance too)."""
    return Meeting.objects.filter(
        alliance__in=Alliance.objects.visible_to(user, "alliance.view").values("pk"))


def manages(user, alliance) -> bool:
    return has_capability(user, MANAGE, alliance.owner)


def hosts(user, meeting) -> bool:
    """The user is the secretary or contact of the meeting's host member."""
    return (meeting.host_org_id is not None
            and member_orgs_of(user, meeting.alliance).filter(pk=meeting.host_org_id).exists())


def may_record(user, meeting) -> bool:
    """Record the meeting as held and manage its photos: the managers or the host member."""
    return manages(user, meeting.alliance) or hosts(user, meeting)


def _require_record(actor, meeting):
    if not may_record(actor, meeting):
        raise PermissionDenied("只有联盟所属乡镇（县）的管理员或承办成员可以记录会议。")


def current_members(alliance):
    """The alliance's current member organizations, by path."""
    return Organization.objects.filter(
        pk__in=Membership.objects.current().filter(alliance=alliance).values("org_id")
    ).order_by("path")


def eligible_attendees(alliance):
    """People in register whose home organization is a current member or under one."""
    paths = list(current_members(alliance).values_list("path", flat=True))
    return Person.objects.filter(under_any_path("home_org__path", paths), is_active=True)


# ---------------------------------------------------------------- plan, edit, cancel

def _local_date(moment):
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _day(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _check_fields(alliance, fields):
    errors = {}
    fields["title"] = (fields.get("title") or "").strip()
    fields["place"] = (fields.get("place") or "").strip()
    fields["agenda"] = (fields.get("agenda") or "").strip()
    if fields.get("kind") not in MeetingKind.values:
        errors["kind"] = ValidationError("请选择会议类型。", code="kind")
    if not fields["title"]:
        errors["title"] = ValidationError("请填写会议主题。", code="required")
    if not fields["place"]:
        errors["place"] = ValidationError("请填写会议地点。", code="required")
    starts_at = fields.get("starts_at")
    if starts_at is None:
        errors["starts_at"] = ValidationError("请填写会议时间。", code="required")
    else:
        day = _local_date(starts_at)
        if alliance.closed_at is not None and day > alliance.closed_at:
            errors["starts_at"] = ValidationError(
                f"联盟已于{_day(alliance.closed_at)}结束，会议时间不能晚于结束日期。",
                code="closed")
        elif day < alliance.founded:
            errors["starts_at"] = ValidationError(
                f"会议时间不能早于联盟成立日期（{_day(alliance.founded)}）。",
                code="before_founded")
    host = fields.get("host_org")
    if host is None:
        errors["host_org"] = ValidationError("请选择承办成员。", code="required")
    elif not current_members(alliance).filter(pk=host.pk).exists():
        errors["host_org"] = ValidationError(f"“{host.name}”不是本联盟的现有成员，不能承办。",
                                             code="host")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def plan_meeting(alliance, *, actor, kind, title, starts_at, place, host_org, agenda=""):
    """计划召开: a meeting, site visit or rotating activity hosted by a current member."""
    require(actor, MANAGE, alliance.owner)
    fields = _check_fields(alliance, {"kind": kind, "title": title, "starts_at": starts_at,
                                      "place": place, "host_org": host_org, "agenda": agenda})
    meeting = Meeting.objects.create(alliance=alliance, created_by=actor, **fields)
    audit.record(audit.AuditAction.CREATE,
                 f"计划联盟{meeting.get_kind_display()}：{alliance.name}“{meeting.title}”",
                 actor=actor, alliance=alliance.pk, meeting=meeting.pk,
                 host_org=meeting.host_org_id, starts_at=meeting.starts_at.isoformat())
    return meeting


def _locked(meeting):
    return (Meeting.objects.select_for_update(of=("self",))
            .select_related("alliance__owner", "host_org").get(pk=meeting.pk))


@transaction.atomic
def edit_meeting(meeting, *, actor, **fields):
    """修改计划: only a planned meeting changes its kind, title, time, place, host or agenda."""
    require(actor, MANAGE, meeting.alliance.owner)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    locked = _locked(meeting)
    if locked.status != MeetingStatus.PLANNED:
        raise ValidationError(f"会议{locked.get_status_display()}，不能再修改计划。",
                              code="state")
    merged = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    merged.update(fields)
    merged = _check_fields(locked.alliance, merged)
    changed = [name for name in EDITABLE_FIELDS if getattr(locked, name) != merged[name]]
    for name in changed:
        setattr(locked, name, merged[name])
    if changed:
        locked.save(update_fields=[f"{name}_id" if name == "host_org" else name
                                   for name in changed])
        audit.record(audit.AuditAction.UPDATE,
                     f"修改联盟会议计划：{locked.alliance.name}“{locked.title}”", actor=actor,
                     alliance=locked.alliance_id, meeting=locked.pk, changed=changed)
    return locked


@transaction.atomic
def cancel_meeting(meeting, *, actor, reason):
    """取消: a planned meeting, with the reason (kept on the meeting and in the audit log)."""
    require(actor, MANAGE, meeting.alliance.owner)
    reason = (reason or "").strip()
    if not reason:
        raise _refused("reason", "请填写取消原因。", "reason")
    if len(reason) > REASON_MAX:
        raise _refused("reason", f"取消原因不超过 {REASON_MAX} 字。", "reason")
    locked = _locked(meeting)
    if locked.status != MeetingStatus.PLANNED:
        raise ValidationError(f"会议{locked.get_status_display()}，不能取消。", code="state")
    locked.status = MeetingStatus.CANCELLED
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancel_reason"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"取消联盟会议：{locked.alliance.name}“{locked.title}”：{reason}", actor=actor,
                 alliance=locked.alliance_id, meeting=locked.pk, reason=reason)
    return locked


# ---------------------------------------------------------------- held: minutes and attendees

@transaction.atomic
def record_held(meeting, *, actor, minutes, attendees):
    """记录召开情况: the minutes and who attended; a held meeting's record may be corrected."""
    _require_record(actor, meeting)
    locked = _locked(meeting)
    if locked.status == MeetingStatus.CANCELLED:
        raise ValidationError("会议已取消，不能记录召开情况。", code="state")
    if locked.starts_at > timezone.now():
        raise ValidationError("会议时间未到，不能记录为已召开。", code="future")
    minutes = (minutes or "").strip()
    errors = {}
    if not minutes:
        errors["minutes"] = ValidationError("请填写会议纪要。", code="required")
    ids = sorted({getattr(person, "pk", person) for person in attendees or ()})
    if not ids:
        errors["attendees"] = ValidationError("请选择参加人员。", code="required")
    else:
        eligible = set(eligible_attendees(locked.alliance).filter(pk__in=ids)
                       .values_list("pk", flat=True))
        outside = [pk for pk in ids if pk not in eligible]
        if outside:
            errors["attendees"] = ValidationError(
                f"所选人员中有 {len(outside)} 人不属于本联盟现有成员组织，不能登记为参加人员。",
                code="attendee")
    if errors:
        raise ValidationError(errors)
    first = locked.status == MeetingStatus.PLANNED
    locked.status = MeetingStatus.HELD
    locked.minutes = minutes
    locked.save(update_fields=["status", "minutes"])
    locked.attendees.set(ids)
    verb = "记录联盟会议召开情况" if first else "更正联盟会议记录"
    audit.record(audit.AuditAction.TRANSITION if first else audit.AuditAction.UPDATE,
                 f"{verb}：{locked.alliance.name}“{locked.title}”，参加 {len(ids)} 人",
                 actor=actor, alliance=locked.alliance_id, meeting=locked.pk, attendees=ids)
    return locked


# ---------------------------------------------------------------- photos

def photo_limits():
    return (f"照片 JPEG/PNG 或签到表 PDF，每个不超过 {PHOTO_MAX_BYTES // MB} MB，"
            f"一次最多 {MAX_PHOTOS_PER_UPLOAD} 个。")


def is_image(photo) -> bool:
    return PurePosixPath(photo.file.name or "").suffix.lower() in (".jpg", ".jpeg", ".png")


def _prepare(upload):
    """(file content, thumbnail content or None) of one upload; ValidationError names it."""
    original = (getattr(upload, "name", "") or "")[:100]
    try:
        detected = validate_upload(upload, formats=DOCUMENT_FORMATS, max_bytes=PHOTO_MAX_BYTES)
        stem = f"meeting-{secrets.token_hex(8)}"
        if detected in IMAGE_FORMATS:
            image = process_image(upload)
            return (ContentFile(image.content, name=f"{stem}{image.extension}"),
                    ContentFile(image.thumbnail, name=f"{stem}-thumb.jpg"))
        upload.seek(0)
        return ContentFile(upload.read(), name=safe_name(detected, stem)), None
    except ValidationError as exc:
        raise ValidationError(f"“{original}”：{'；'.join(exc.messages)}", code="upload") from exc


def _remove_files(files):
    for storage, name in files:
        if name:
            storage.delete(name)


def _files_only_of(photo):
    """(storage, name) of the photo's stored files (the photo and its thumbnail) that no other
    photo refers to: the demo's photos share a few images, which must outlive one removal."""
    names = [field.name for field in (photo.file, photo.thumbnail) if field]
    shared = set()
    if names:
        others = (MeetingPhoto.objects.exclude(pk=photo.pk)
                  .filter(Q(file__in=names) | Q(thumbnail__in=names))
                  .values_list("file", "thumbnail"))
        shared = {name for pair in others for name in pair}
    return [(field.storage, field.name) for field in (photo.file, photo.thumbnail)
            if field and field.name not in shared]


@transaction.atomic
def add_photos(meeting, *, actor, files, caption=""):
    """Photos or sign-in sheets of a held meeting: all of them are saved, or none."""
    _require_record(actor, meeting)
    locked = _locked(meeting)
    if locked.status != MeetingStatus.HELD:
        raise ValidationError("会议记录为已召开后才能上传照片。", code="state")
    files = [upload for upload in files or () if upload is not None]
    if not files:
        raise _refused("files", "请选择要上传的照片或文件。", "required")
    if len(files) > MAX_PHOTOS_PER_UPLOAD:
        raise _refused("files", f"一次最多上传 {MAX_PHOTOS_PER_UPLOAD} 个文件。", "too_many")
    caption = (caption or "").strip()[:100]
    prepared, problems = [], []
    for upload in files:
        try:
            prepared.append(_prepare(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError({"files": problems})
    saved, stored = [], []
    try:
        for content, thumbnail in prepared:
            photo = MeetingPhoto(meeting=locked, caption=caption, uploaded_by=actor)
            photo.file.save(content.name, content, save=False)
            stored.append((photo.file.storage, photo.file.name))
            if thumbnail is not None:
                photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
                stored.append((photo.thumbnail.storage, photo.thumbnail.name))
            photo.save()
            saved.append(photo)
        audit.record(audit.AuditAction.CREATE,
                     f"上传联盟会议照片 {len(saved)} 个：{locked.alliance.name}“{locked.title}”",
                     actor=actor, alliance=locked.alliance_id, meeting=locked.pk,
                     photos=[photo.pk for photo in saved])
    except Exception:
        # The rows roll back with the transaction; the files written so far must go too.
        _remove_files(stored)
        raise
    return saved


@transaction.atomic
def remove_photo(photo, *, actor):
    """Remove one photo; its files go once the deletion is committed."""
    photo = MeetingPhoto.objects.select_related("meeting__alliance__owner").get(pk=photo.pk)
    _require_record(actor, photo.meeting)
    locked = _locked(photo.meeting)
    if locked.status == MeetingStatus.CANCELLED:
        raise ValidationError("会议已取消，不能修改照片。", code="state")
    files = _files_only_of(photo)
    audit.record(audit.AuditAction.DELETE,
                 f"删除联盟会议照片：{locked.alliance.name}“{locked.title}”“{photo}”",
                 actor=actor, alliance=locked.alliance_id, meeting=locked.pk, photo=photo.pk)
    photo.delete()
    transaction.on_commit(lambda: _remove_files(files))
    return locked


# ---------------------------------------------------------------- rotation (党建活动轮办)

def rotation_order(alliance):
    """[(member organization, last hosting or None)] in rotation order: never hosted first,
    then the oldest last hosting; ties by organization path (two queries)."""
    members = list(current_members(alliance).only("id", "name", "path", "kind"))
    last = dict(Meeting.objects.filter(alliance=alliance, host_org__in=[m.pk for m in members])
                .exclude(status=MeetingStatus.CANCELLED)
                .values_list("host_org").annotate(last=Max("starts_at")).order_by())
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    members.sort(key=lambda org: (last.get(org.pk) is not None,
                                  last.get(org.pk) or oldest, org.path))
    return [(org, last.get(org.pk)) for org in members]


def next_host(alliance):
    """The member that should host next, or None (no members, or the alliance closed)."""
    if not alliance.is_open:
        return None
    order = rotation_order(alliance)
    return order[0][0] if order else None


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def rotation_plan(alliance, months=12, *, today=None):
    """[(first day of the month, host)] for this month and the following ones, the hosts
    taken in rotation order and starting over when every member has had its turn."""
    if not alliance.is_open or months <= 0:
        return []
    order = [org for org, _ in rotation_order(alliance)]
    if not order:
        return []
    start = (today or timezone.localdate()).replace(day=1)
    return [(_add_months(start, i), order[i % len(order)]) for i in range(months)]


def upcoming_meetings(user, *, now=None):
    """Planned meetings from now on of the alliances the user sees, soonest first."""
    return (visible_meetings(user)
            .filter(status=MeetingStatus.PLANNED, starts_at__gte=now or timezone.now())
            .select_related("alliance__owner", "host_org").order_by("starts_at", "id"))
