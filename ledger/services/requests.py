"""Villagers' requests (民情诉求): the village records them, judges them daily (日研判), marks
them resolved, or publishes one as a need on the pairing board in the same transaction,
keeping the link. Every action checks resident.change on the request's village."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger.models import RequestStatus, ResidentRequest
from pairing.services.needs import do_publish_need
from portal.idnumber import phone_problem
from portal.models.orgs import OrgKind
from portal.scope import require

# How long a need published from a request stays open by default.
NEED_DEADLINE_DAYS = 14
NEED_TITLE_LENGTH = 30


def _locked(request_obj):
    return (ResidentRequest.objects.select_for_update().select_related("village_org")
            .get(pk=request_obj.pk))


@transaction.atomic
def do_record_request(request_obj, *, actor) -> ResidentRequest:
    """Save a new request (or correct one still pending) for the actor's village."""
    village = request_obj.village_org
    require(actor, "resident.change", village)
    if village.kind != OrgKind.VILLAGE:
        raise ValidationError({"village_org": "民情诉求只能登记到村。"})
    if request_obj.pk:
        before = _locked(request_obj)
        require(actor, "resident.change", before.village_org)
        if before.status != RequestStatus.PENDING:
            raise ValidationError("已研判或已处理的诉求不能修改。")
    else:
        request_obj.recorded_by = actor
        request_obj.status = RequestStatus.PENDING
    if request_obj.date and request_obj.date > timezone.localdate():
        raise ValidationError({"date": "收集日期不能晚于今天。"})
    request_obj.content = (request_obj.content or "").strip()
    request_obj.raised_by = (request_obj.raised_by or "").strip()
    request_obj.raised_by_phone = (request_obj.raised_by_phone or "").strip()
    problem = phone_problem(request_obj.raised_by_phone)
    if problem:
        raise ValidationError({"raised_by_phone": problem})
    request_obj.full_clean(exclude=["recorded_by", "judged_by", "need"])
    request_obj.save()
    return request_obj


@transaction.atomic
def do_judge_request(request_obj, *, actor, judgement) -> ResidentRequest:
    """研判: write the judgement; a pending or judged request becomes (stays) judged."""
    locked = _locked(request_obj)
    require(actor, "resident.change", locked.village_org)
    judgement = (judgement or "").strip()
    if not judgement:
        raise ValidationError({"judgement": "请填写研判意见。"})
    if locked.status not in (RequestStatus.PENDING, RequestStatus.JUDGED):
        raise ValidationError(f"该诉求{locked.get_status_display()}，不能再研判。")
    locked.status, locked.judgement = RequestStatus.JUDGED, judgement
    locked.judged_at, locked.judged_by = timezone.now(), actor
    locked.save(update_fields=["status", "judgement", "judged_at", "judged_by"])
    return locked


@transaction.atomic
def do_resolve_request(request_obj, *, actor, note="") -> ResidentRequest:
    """办结: the request was dealt with (directly, or through the published need)."""
    locked = _locked(request_obj)
    require(actor, "resident.change", locked.village_org)
    if locked.status == RequestStatus.RESOLVED:
        raise ValidationError("该诉求已办结。")
    note = (note or "").strip()
    fields = ["status"]
    if note:
        locked.judgement = f"{locked.judgement}\n办结说明：{note}".strip()
        fields.append("judgement")
    locked.status = RequestStatus.RESOLVED
    locked.save(update_fields=fields)
    return locked


def need_defaults(request_obj, today=None):
    """What the 发布为需求 form starts with: title from the content, deadline in two weeks.

    Only the content goes to the board: who raised it and their phone stay in the ledger."""
    today = today or timezone.localdate()
    content = " ".join(request_obj.content.split())
    title = content if len(content) <= NEED_TITLE_LENGTH else content[:NEED_TITLE_LENGTH - 1] + "…"
    return {"title": title, "description": request_obj.content,
            "deadline": today + datetime.timedelta(days=NEED_DEADLINE_DAYS), "places": 1}


@transaction.atomic
def do_publish_request_as_need(request_obj, *, actor, kind, title, description, deadline,
                               places=1):
    """发布为需求: publish the request on the village's needs board and keep the link.

    Refused when it was already published or is resolved; the need and the link are written
    in one transaction, so a failed publish leaves the request as it was."""
    locked = _locked(request_obj)
    require(actor, "resident.change", locked.village_org)
    if locked.need_id is not None or locked.status == RequestStatus.PUBLISHED:
        raise ValidationError("该诉求已发布为需求，不能重复发布。")
    if locked.status == RequestStatus.RESOLVED:
        raise ValidationError("该诉求已办结，不能再发布为需求。")
    need = do_publish_need(locked.village_org, actor=actor, kind=kind,
                           title=(title or "").strip(), description=(description or "").strip(),
                           deadline=deadline, places=places)
    locked.need, locked.status = need, RequestStatus.PUBLISHED
    locked.save(update_fields=["need", "status"])
    return locked
