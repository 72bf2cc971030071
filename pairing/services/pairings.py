"""Pairings and their co-building plan (共建方案): create, end, edit, submit, file, return."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pairing.models import Pairing, PairingStatus, PlanStatus, Principle
from portal import audit
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.scope import forget_roles, require


def pairing_problem(city_org, village_org, principles=()):
    """A Chinese message when these two orgs cannot be paired, else None."""
    if city_org.kind not in CITY_KINDS:
        return "结对单位应为县直单位、城市社区、非公企业或工业园区。"
    if village_org.kind != OrgKind.VILLAGE:
        return "结对对象应为村党组织。"
    unknown = set(principles) - set(Principle.values)
    if unknown:
        return "未知的结对原则：" + "、".join(sorted(unknown))
    if Pairing.objects.active().filter(city_org=city_org, village_org=village_org).exists():
        return f"“{city_org.name}”与“{village_org.name}”已有生效的结对关系。"
    return None


@transaction.atomic
def do_create_pairing(city_org, village_org, *, actor, since=None, principles=(),
                      honorary_head=None, liaison=None) -> Pairing:
    require(actor, "pairing.change", village_org)
    require(actor, "pairing.change", city_org)
    problem = pairing_problem(city_org, village_org, principles)
    if problem:
        raise ValidationError(problem)
    problem = _people_problem(city_org, honorary_head, liaison)
    if problem:
        raise ValidationError(problem)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                city_org=city_org, village_org=village_org,
                since=since or timezone.localdate(), principles=list(principles),
                honorary_head=honorary_head, liaison=liaison)
    except IntegrityError as exc:  # a concurrent request paired them first
        raise ValidationError("这两个组织已有生效的结对关系。") from exc
    forget_roles(actor)
    audit.record(audit.AuditAction.CREATE, f"建立结对：{city_org.name} ↔ {village_org.name}",
                 actor=actor, pairing=pairing.pk, city_org=city_org.pk,
                 village_org=village_org.pk)
    return pairing


@transaction.atomic
def do_end_pairing(pairing, *, actor, until=None) -> Pairing:
    require(actor, "pairing.change", pairing.village_org)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if not pairing.is_active:
        raise ValidationError("该结对关系已结束。", code="state")
    until = until or timezone.localdate()
    if until < pairing.since:
        raise ValidationError("结束日期不能早于结对日期。")
    pairing.status, pairing.until = PairingStatus.ENDED, until
    pairing.save(update_fields=["status", "until"])
    audit.record(audit.AuditAction.TRANSITION, f"结束结对：{pairing}", actor=actor,
                 pairing=pairing.pk, status=pairing.status, until=until.isoformat())
    return pairing


def _locked(pairing):
    return (Pairing.objects.select_for_update(of=("self",))
            .select_related("city_org", "village_org").get(pk=pairing.pk))


def _record_plan(pairing, actor, verb, action=audit.AuditAction.TRANSITION, **data):
    audit.record(action, f"{verb}：{pairing}", actor=actor, pairing=pairing.pk,
                 plan_status=pairing.plan_status, **data)


@transaction.atomic
def do_update_plan(pairing, *, actor, goals, tasks, measures, submit=False) -> Pairing:
    """Save the plan (either side); with `submit`, also submit it, all or nothing."""
    pairing = _locked(pairing)
    Pairing.workflow.check(pairing, "edit_plan", actor)
    pairing.plan_goals, pairing.plan_tasks, pairing.plan_measures = goals, tasks, measures
    pairing.save(update_fields=["plan_goals", "plan_tasks", "plan_measures"])
    _record_plan(pairing, actor, "编写共建方案", audit.AuditAction.UPDATE)
    if submit:
        return do_submit_plan(pairing, actor=actor)
    return pairing


@transaction.atomic
def do_submit_plan(pairing, *, actor) -> Pairing:
    pairing = _locked(pairing)
    Pairing.workflow.check(pairing, "submit_plan", actor)
    if not (pairing.plan_goals.strip() and pairing.plan_tasks.strip()
            and pairing.plan_measures.strip()):
        raise ValidationError("请填写共建目标、任务和措施后再提交。", code="incomplete")
    pairing.plan_status, pairing.plan_return_reason = PlanStatus.SUBMITTED, ""
    pairing.save(update_fields=["plan_status", "plan_return_reason"])
    _record_plan(pairing, actor, "提交共建方案")
    return pairing


@transaction.atomic
def do_file_plan(pairing, *, actor) -> Pairing:
    pairing = _locked(pairing)
    Pairing.workflow.check(pairing, "file_plan", actor)
    pairing.plan_status, pairing.plan_filed_at = PlanStatus.FILED, timezone.now()
    pairing.save(update_fields=["plan_status", "plan_filed_at"])
    _record_plan(pairing, actor, "共建方案备案")
    return pairing


@transaction.atomic
def do_return_plan(pairing, *, actor, reason) -> Pairing:
    pairing = _locked(pairing)
    Pairing.workflow.check(pairing, "return_plan", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    pairing.plan_status, pairing.plan_return_reason = PlanStatus.RETURNED, reason[:300]
    pairing.save(update_fields=["plan_status", "plan_return_reason"])
    _record_plan(pairing, actor, "退回共建方案", reason=pairing.plan_return_reason)
    return pairing


def half_year_of(day: datetime.date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def _people_problem(city_org, honorary_head, liaison):
    """A Chinese message when the honorary head or liaison is not one of the unit's people."""
    for person, label in ((honorary_head, "名誉村长"), (liaison, "联络员")):
        if person is not None and not person.home_org.path.startswith(city_org.path):
            return f"{label}应为结对单位的人员。"
    return None


@transaction.atomic
def do_update_pairing(pairing, *, actor, principles, honorary_head=None,
                      liaison=None) -> Pairing:
    """Change an active pairing's principles, 名誉村长 and 联络员 (county staff)."""
    require(actor, "pairing.change", pairing.village_org)
    pairing = Pairing.objects.select_for_update().select_related("city_org").get(pk=pairing.pk)
    if not pairing.is_active:
        raise ValidationError("已结束的结对关系不能修改。", code="state")
    unknown = set(principles) - set(Principle.values)
    if unknown:
        raise ValidationError("未知的结对原则：" + "、".join(sorted(unknown)))
    problem = _people_problem(pairing.city_org, honorary_head, liaison)
    if problem:
        raise ValidationError(problem)
    pairing.principles = [p for p in Principle.values if p in set(principles)]
    pairing.honorary_head, pairing.liaison = honorary_head, liaison
    pairing.save(update_fields=["principles", "honorary_head", "liaison"])
    audit.record(audit.AuditAction.UPDATE, f"修改结对：{pairing}", actor=actor,
                 pairing=pairing.pk, principles=pairing.principles,
                 honorary_head=pairing.honorary_head_id, liaison=pairing.liaison_id)
    return pairing
