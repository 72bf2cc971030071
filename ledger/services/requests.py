"""Villagers' requests (民情诉求): the village records them, judges them daily (日研判), marks
them resolved, or publishes one as a need on the pairing board in the same transaction,
keeping the link. Every action checks resident.change on the request's village before its
state (ResidentRequest.workflow) and writes its audit row."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger.models import RequestStatus, ResidentRequest
from pairing.services.needs import do_publish_need
from portal import audit
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
    created = not request_obj.pk
    if not created:
        ResidentRequest.workflow.check(_locked(request_obj), "edit", actor)
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
    audit.record(audit.AuditAction.CREATE if created else audit.AuditAction.UPDATE,
                 f"{'登记' if created else '修改'}民情诉求：{village.name} {request_obj.date}",
                 actor=actor, resident_request=request_obj.pk, village=village.pk)
    return request_obj


@transaction.atomic
def do_judge_request(request_obj, *, actor, judgement) -> ResidentRequest:
    """研判: write the judgement; a pending or judged request becomes (stays) judged."""
    locked = _locked(request_obj)
    ResidentRequest.workflow.check(locked, "judge", actor)
    judgement = (judgement or "").strip()
    if not judgement:
        raise ValidationError({"judgement": "请填写研判意见。"})
    locked.status, locked.judgement = RequestStatus.JUDGED, judgement
    locked.judged_at, locked.judged_by = timezone.now(), actor
    locked.save(update_fields=["status", "judgement", "judged_at", "judged_by"])
    _audit_transition(locked, "研判", actor)
    return locked


def _audit_transition(locked, verb, actor, **data):
    audit.record(audit.AuditAction.TRANSITION,
                 f"{verb}民情诉求：{locked.village_org.name} {locked.date}", actor=actor,
                 resident_request=locked.pk, village=locked.village_org_id,
                 status=locked.status, **data)


@transaction.atomic
def do_resolve_request(request_obj, *, actor, note="") -> ResidentRequest:
    """办结: the request was dealt with (directly, or through the published need)."""
    locked = _locked(request_obj)
    ResidentRequest.workflow.check(locked, "resolve", actor)
    note = (note or "").strip()
    fields = ["status"]
    if note:
        locked.judgement = f"{locked.judgement}\n办结说明：{note}".strip()
        fields.append("judgement")
    locked.status = RequestStatus.RESOLVED
    locked.save(update_fields=fields)
    _audit_transition(locked, "办结", actor)
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
    ResidentRequest.workflow.check(locked, "publish", actor)
    need = do_publish_need(locked.village_org, actor=actor, kind=kind,
                           title=(title or "").strip(), description=(description or "").strip(),
                           deadline=deadline, places=places)
    locked.need, locked.status = need, RequestStatus.PUBLISHED
    locked.save(update_fields=["need", "status"])
    _audit_transition(locked, "发布为需求的", actor, need=need.pk)
    return locked
