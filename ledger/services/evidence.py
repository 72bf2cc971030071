"""Evidence (佐证材料) of an activity: photos and PDFs, added and removed only while the
activity may be edited and its month is open. Files are checked by content, photos are
re-encoded without metadata (GPS included) and thumbnailed; stored files never outlive a
rolled-back transaction, and deleted ones disappear only once the deletion is committed."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from ledger.models import Activity, Evidence, EvidenceKind
from ledger.services.activities import do_save_activity, do_submit_activity
from ledger.services.locks import require_open_month
from portal import audit
from portal.images import process_image
from portal.scope import require
from portal.uploads import (
    DOCUMENT_FORMATS,
    IMAGE_FORMATS,
    MB,
    safe_name,
    sniff_format,
    validate_upload,
)

PDF_MAX_BYTES = 20 * MB
MAX_FILES_PER_UPLOAD = 20


def evidence_limits():
    """Chinese description of what may be uploaded, for help texts."""
    photo_mb = settings.LEDGER_PHOTO_MAX_BYTES // MB
    return f"照片 JPEG/PNG 每张不超过 {photo_mb} MB，文件 PDF 每个不超过 {PDF_MAX_BYTES // MB} MB。"


def _check_upload(upload):
    """Validate one upload by content against the limit of its kind; return the format."""
    if upload is None or not upload.size:
        raise ValidationError("请选择要上传的文件。")
    upload.seek(0)
    detected = sniff_format(upload.read(16))
    upload.seek(0)
    if detected in IMAGE_FORMATS:
        return validate_upload(upload, formats=IMAGE_FORMATS,
                               max_bytes=settings.LEDGER_PHOTO_MAX_BYTES)
    return validate_upload(upload, formats=DOCUMENT_FORMATS, max_bytes=PDF_MAX_BYTES)


def _prepare(upload):
    """(kind, original_name, size, file content, thumbnail content or None) of one upload,
    or ValidationError naming the file."""
    original = (getattr(upload, "name", "") or "")[:200]
    try:
        detected = _check_upload(upload)
        stem = f"evidence-{secrets.token_hex(8)}"
        if detected in IMAGE_FORMATS:
            image = process_image(upload)
            return (EvidenceKind.PHOTO, original, len(image.content),
                    ContentFile(image.content, name=f"{stem}{image.extension}"),
                    ContentFile(image.thumbnail, name=f"{stem}-thumb.jpg"))
        upload.seek(0)
        content = upload.read()
        return (EvidenceKind.FILE, original, len(content),
                ContentFile(content, name=safe_name(detected, stem)), None)
    except ValidationError as exc:
        raise ValidationError(f"“{original}”：{'；'.join(exc.messages)}") from exc


def _editable_activity(activity, actor):
    locked = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
    require(actor, "ledger.log", locked.org)
    if not locked.is_editable:
        raise ValidationError("已提交或已确认的活动不能修改佐证材料。")
    require_open_month(locked.org, locked.date)
    return locked


def _remove_files(names):
    for storage, name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def do_add_evidence(activity, uploads, *, actor) -> list[Evidence]:
    """Attach photos/PDFs to an editable activity in an open month: all of them or none."""
    activity = _editable_activity(activity, actor)
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ValidationError("请选择要上传的照片或文件。")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件。")
    prepared, problems = [], []
    for upload in uploads:
        try:
            prepared.append(_prepare(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    saved, stored = [], []
    try:
        for kind, original, size, content, thumb in prepared:
            evidence = Evidence(activity=activity, kind=kind, original_name=original, size=size,
                                uploaded_by=actor)
            evidence.file.save(content.name, content, save=False)
            stored.append((evidence.file.storage, evidence.file.name))
            if thumb is not None:
                evidence.thumbnail.save(thumb.name, thumb, save=False)
                stored.append((evidence.thumbnail.storage, evidence.thumbnail.name))
            evidence.save()
            saved.append(evidence)
    except Exception:
        # The rows roll back with the transaction; the files written so far must go too.
        _remove_files(stored)
        raise
    audit.record(audit.AuditAction.CREATE,
                 f"为活动“{activity.title}”上传 {len(saved)} 个佐证材料", actor=actor,
                 activity=activity.pk, evidence=[e.pk for e in saved])
    return saved


def _stored_files(evidence):
    return [(field.storage, field.name) for item in evidence
            for field in (item.file, item.thumbnail) if field]


@transaction.atomic
def do_save_activity_with_evidence(activity, participants=(), uploads=(), *, actor,
                                   submit=False) -> Activity:
    """The activity form in one step: save the activity with its participants, attach the
    photos/PDFs chosen on the form, and submit it when asked. All of it or nothing: a refused
    file leaves no activity behind (its problems under "files")."""
    activity = do_save_activity(activity, participants, actor=actor)
    saved = []
    if uploads:
        try:
            saved = do_add_evidence(activity, uploads, actor=actor)
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    if submit:
        try:
            activity = do_submit_activity(activity, actor=actor)
        except Exception:
            _remove_files(_stored_files(saved))  # the rows roll back; the files must go too
            raise
    return activity


@transaction.atomic
def do_delete_evidence(evidence, *, actor):
    """Remove one piece of evidence; its files go once the deletion is committed."""
    evidence = Evidence.objects.select_related("activity").get(pk=evidence.pk)
    activity = _editable_activity(evidence.activity, actor)
    audit.record(audit.AuditAction.DELETE,
                 f"删除活动“{activity.title}”的佐证材料“{evidence}”", actor=actor,
                 activity=activity.pk, evidence=evidence.pk)
    files = [(evidence.file.storage, evidence.file.name)]
    if evidence.thumbnail:
        files.append((evidence.thumbnail.storage, evidence.thumbnail.name))
    evidence.delete()
    transaction.on_commit(lambda: _remove_files(files))
