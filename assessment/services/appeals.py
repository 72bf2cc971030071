"""Appeals (申诉) against a published quarter's score: filed by the person scored (the unit's
contact for an organization, the leader for an alliance) within the scheme's window; the
assessing body accepts (the quarter returns to draft and is scored again, to be published anew)
or rejects, with a reason. All audited."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessment.models import Appeal, AppealStatus, QuarterScore, RunStatus, ScoringRun
from assessment.services.scoring import score_quarter
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import UNIT_CONTACT, active_roles


def appeal_deadline(run) -> datetime.datetime | None:
    if run.published_at is None:
        return None
    return run.published_at + datetime.timedelta(days=run.scheme.appeal_days)


def may_appeal(score, user) -> bool:
    """The person scored, a contact of the organization scored, or the alliance's leader."""
    if score.person_id:
        return score.person.user_id is not None and score.person.user_id == user.pk
    if score.alliance_id:
        leader = score.alliance.leader
        return leader is not None and leader.user_id is not None and leader.user_id == user.pk
    return any(role == UNIT_CONTACT and org_id == score.org_id
               for role, _, org_id in active_roles(user))


def file_appeal(score, *, actor, reason, now=None) -> Appeal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申诉理由。"})
    now = now or timezone.now()
    with transaction.atomic():
        score = QuarterScore.objects.select_related("run__scheme", "person",
                                                    "alliance__leader").get(pk=score.pk)
        if not may_appeal(score, actor):
            raise PermissionDenied("只有考核对象本人（或单位联络员、联盟负责人）可以申诉。")
        run = score.run
        if run.status != RunStatus.PUBLISHED:
            raise ValidationError("该季度排位尚未发布，不能申诉。", code="state")
        deadline = appeal_deadline(run)
        if now > deadline:
            raise ValidationError(f"申诉期已于 {timezone.localtime(deadline):%Y-%m-%d %H:%M} "
                                  "结束。", code="window")
        if Appeal.objects.filter(run=run, **score.target_lookup,
                                 status=AppealStatus.OPEN).exists():
            raise ValidationError("您对该季度得分的申诉正在处理中，请勿重复提交。", code="state")
        appeal = Appeal.objects.create(run=run, **score.target_lookup, reason=reason,
                                       filed_by=actor)
        audit.record(AuditAction.CREATE, f"提出考核申诉：{run} · {score.target}", actor=actor,
                     appeal=appeal.pk)
    return appeal


def _decide(appeal, name, *, actor, decision):
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": "请填写处理意见。"})
    appeal = Appeal.objects.select_for_update().select_related("run__scheme").get(pk=appeal.pk)
    transition = Appeal.workflow.check(appeal, name, actor)
    appeal.status = transition.target
    appeal.decision = decision[:500]
    appeal.decided_by, appeal.decided_at = actor, timezone.now()
    appeal.save(update_fields=["status", "decision", "decided_by", "decided_at"])
    audit.record(AuditAction.TRANSITION,
                 f"{transition.label}：{appeal}（{decision[:100]}）", actor=actor,
                 appeal=appeal.pk)
    return appeal


def accept_appeal(appeal, *, actor, decision) -> Appeal:
    """Accept: the quarter goes back to draft and is scored again (corrected entries or
    ledger rows now count); the assessing body reviews and publishes it again."""
    with transaction.atomic():
        appeal = _decide(appeal, "accept", actor=actor, decision=decision)
        ScoringRun.objects.filter(pk=appeal.run_id).update(status=RunStatus.DRAFT)
        appeal.run.refresh_from_db()
        score_quarter(appeal.run.scheme, appeal.run.quarter, actor=actor)
    return appeal


def reject_appeal(appeal, *, actor, decision) -> Appeal:
    with transaction.atomic():
        return _decide(appeal, "reject", actor=actor, decision=decision)
