"""Pairings and their co-building plan (共建方案): create, end, edit, submit, file, return."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pairing.models import Pairing, PairingStatus, PlanStatus, Principle
from portal import audit
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.scope import forget_roles, require, require_any


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
                      honorary_head=None, liaison=None, request=None) -> Pairing:
    require(actor, "pairing.change", village_org)
    require(actor, "pairing.change", city_org)
    problem = pairing_problem(city_org, village_org, principles)
    if problem:
        raise ValidationError(problem)
    for person, label in ((honorary_head, "名誉村长"), (liaison, "联络员")):
        if person is not None and not person.home_org.path.startswith(city_org.path):
            raise ValidationError(f"{label}应为结对单位的人员。")
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                city_org=city_org, village_org=village_org,
                since=since or timezone.localdate(), principles=list(principles),
                honorary_head=honorary_head, liaison=liaison)
    except IntegrityError as exc:  # a concurrent request paired them first
        raise ValidationError("这两个组织已有生效的结对关系。") from exc
    forget_roles(actor)
    audit.record(audit.AuditAction.OTHER, f"建立结对：{city_org.name} ↔ {village_org.name}",
                 actor=actor, request=request, pairing=pairing.pk)
    return pairing


@transaction.atomic
def do_end_pairing(pairing, *, actor, until=None, request=None) -> Pairing:
    require(actor, "pairing.change", pairing.village_org)
    if pairing.status != PairingStatus.ACTIVE:
        raise ValidationError("该结对关系已结束。")
    until = until or timezone.localdate()
    if until < pairing.since:
        raise ValidationError("结束日期不能早于结对日期。")
    pairing.status, pairing.until = PairingStatus.ENDED, until
    pairing.save(update_fields=["status", "until"])
    audit.record(audit.AuditAction.OTHER, f"结束结对：{pairing}", actor=actor, request=request,
                 pairing=pairing.pk)
    return pairing


def _require_plan_side(actor, pairing):
    """Either side of the pairing (village secretary or unit contact) may write the plan."""
    require_any(actor, "pairing.plan", (pairing.village_org, pairing.city_org))


@transaction.atomic
def do_update_plan(pairing, *, actor, goals, tasks, measures) -> Pairing:
    _require_plan_side(actor, pairing)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.plan_status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise ValidationError("共建方案已提交或已备案，不能修改。")
    pairing.plan_goals, pairing.plan_tasks, pairing.plan_measures = goals, tasks, measures
    pairing.save(update_fields=["plan_goals", "plan_tasks", "plan_measures"])
    return pairing


@transaction.atomic
def do_submit_plan(pairing, *, actor) -> Pairing:
    _require_plan_side(actor, pairing)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.plan_status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise ValidationError("只有草稿或被退回的方案可以提交。")
    if not (pairing.plan_goals.strip() and pairing.plan_tasks.strip()
            and pairing.plan_measures.strip()):
        raise ValidationError("请填写共建目标、任务和措施后再提交。")
    pairing.plan_status, pairing.plan_return_reason = PlanStatus.SUBMITTED, ""
    pairing.save(update_fields=["plan_status", "plan_return_reason"])
    return pairing


@transaction.atomic
def do_file_plan(pairing, *, actor, request=None) -> Pairing:
    require(actor, "pairing.file", pairing.village_org)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.plan_status != PlanStatus.SUBMITTED:
        raise ValidationError("只有已提交的方案可以备案。")
    pairing.plan_status, pairing.plan_filed_at = PlanStatus.FILED, timezone.now()
    pairing.save(update_fields=["plan_status", "plan_filed_at"])
    audit.record(audit.AuditAction.OTHER, f"共建方案备案：{pairing}", actor=actor,
                 request=request, pairing=pairing.pk)
    return pairing


@transaction.atomic
def do_return_plan(pairing, *, actor, reason) -> Pairing:
    require(actor, "pairing.file", pairing.village_org)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("退回时请填写原因。")
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.plan_status != PlanStatus.SUBMITTED:
        raise ValidationError("只有已提交的方案可以退回。")
    pairing.plan_status, pairing.plan_return_reason = PlanStatus.RETURNED, reason[:300]
    pairing.save(update_fields=["plan_status", "plan_return_reason"])
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
def do_update_pairing(pairing, *, actor, principles, honorary_head=None, liaison=None,
                      request=None) -> Pairing:
    """Change an active pairing's principles, 名誉村长 and 联络员 (county staff)."""
    require(actor, "pairing.change", pairing.village_org)
    pairing = Pairing.objects.select_for_update().select_related("city_org").get(pk=pairing.pk)
    if pairing.status != PairingStatus.ACTIVE:
        raise ValidationError("已结束的结对关系不能修改。")
    unknown = set(principles) - set(Principle.values)
    if unknown:
        raise ValidationError("未知的结对原则：" + "、".join(sorted(unknown)))
    problem = _people_problem(pairing.city_org, honorary_head, liaison)
    if problem:
        raise ValidationError(problem)
    pairing.principles = [p for p in Principle.values if p in set(principles)]
    pairing.honorary_head, pairing.liaison = honorary_head, liaison
    pairing.save(update_fields=["principles", "honorary_head", "liaison"])
    audit.record(audit.AuditAction.OTHER, f"修改结对：{pairing}", actor=actor, request=request,
                 pairing=pairing.pk)
    return pairing
