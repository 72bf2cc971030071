"""Period locks: a month closes on LEDGER_CLOSE_DAY of the next month; a township admin may
reopen one organization's month for a while, with a reason (audited)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger.models import MonthReopening, ReopenRequest, ReopenRequestStatus
from ledger.periods import close_date, is_closed
from portal import audit
from portal.batch import apply_to_each
from portal.scope import require


def month_is_locked(org, year, month, *, today=None) -> bool:
    today = today or timezone.localdate()
    if not is_closed(today, year, month, settings.LEDGER_CLOSE_DAY):
        return False
    return not MonthReopening.objects.filter(org=org, year=year, month=month,
                                             expires_at__gt=timezone.now()).exists()


def lock_problem(org, day: datetime.date, *, today=None) -> str | None:
    """A Chinese explanation when entries for `day` may no longer be made for `org`."""
    today = today or timezone.localdate()
    if day > today:
        return "活动日期不能晚于今天。"
    if month_is_locked(org, day.year, day.month, today=today):
        closed = close_date(day.year, day.month, settings.LEDGER_CLOSE_DAY)
        return (f"{day.year}年{day.month}月的台账已于{closed.year}年{closed.month}月"
                f"{closed.day}日关闭，不能再新增或修改。如需补录，请提交“申请补录”，"
                "乡镇管理员同意后该月开放。")
    return None


def require_open_month(org, day, *, today=None):
    problem = lock_problem(org, day, today=today)
    if problem:
        raise ValidationError(problem, code="locked")


@transaction.atomic
def do_reopen_month(org, year, month, *, actor, reason) -> MonthReopening:
    require(actor, "ledger.reopen", org)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "开放补录时请填写原因。"})
    if not 1 <= int(month) <= 12:
        raise ValidationError({"month": "月份不正确。"})
    if not is_closed(timezone.localdate(), year, month, settings.LEDGER_CLOSE_DAY):
        raise ValidationError("该月尚未关闭，无需开放。")
    reopening = MonthReopening.objects.create(
        org=org, year=year, month=month, reason=reason[:300], reopened_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.LEDGER_REOPEN_DAYS))
    audit.record(audit.AuditAction.CREATE,
                 f"开放“{org.name}”{year}年{month}月台账补录：{reason[:100]}",
                 actor=actor, org=org.pk, reopening=reopening.pk, year=year, month=month)
    return reopening


def locked_since(org, year, month, *, today=None) -> datetime.date | None:
    """The day the month closed when it is locked for `org` now (no open reopening), else None."""
    if not month_is_locked(org, year, month, today=today):
        return None
    return close_date(year, month, settings.LEDGER_CLOSE_DAY)


def lock_notice(year, month, closed) -> str:
    return (f"{year}年{month}月台账已于{closed.year}年{closed.month}月{closed.day}日锁定，"
            "不能再修改或提交。")


def do_reopen_months(orgs, year, month, *, actor, reason) -> list[MonthReopening]:
    """开放补录 for several organizations at once (a township's villages): each through
    do_reopen_month (its checks and audit row), all or none."""
    return apply_to_each(orgs, lambda org, **kw: do_reopen_month(org, year, month, **kw),
                         actor=actor, reason=reason, label=lambda org: org.name)


@transaction.atomic
def do_request_reopen(org, year, month, *, actor, reason, activity=None) -> ReopenRequest:
    """申请补录: the organization asks its township to reopen a locked month (one pending
    request per organization and month)."""
    require(actor, "ledger.log", org)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "申请补录时请填写理由。"})
    if activity is not None and (activity.org_id != org.pk or (activity.date.year,
                                                              activity.date.month)
                                 != (int(year), int(month))):
        raise ValidationError("活动不属于所申请的组织和月份。", code="state")
    if not month_is_locked(org, int(year), int(month)):
        raise ValidationError("该月台账未锁定，可直接修改，无需申请补录。", code="state")
    if ReopenRequest.objects.select_for_update().filter(
            org=org, year=year, month=month, status=ReopenRequestStatus.PENDING).exists():
        raise ValidationError("该月已有待处理的补录申请，请等待乡镇处理。", code="duplicate")
    request = ReopenRequest.objects.create(org=org, year=year, month=month, activity=activity,
                                           reason=reason[:300], requested_by=actor)
    audit.record(audit.AuditAction.CREATE,
                 f"申请补录“{org.name}”{year}年{month}月台账：{reason[:100]}",
                 actor=actor, org=org.pk, reopen_request=request.pk, year=year, month=month)
    return request


def _locked_request(request):
    return ReopenRequest.objects.select_for_update().select_related("org").get(pk=request.pk)


@transaction.atomic
def do_grant_reopen_request(request, *, actor) -> ReopenRequest:
    """Grant: open the month with do_reopen_month, then mark the request granted."""
    request = _locked_request(request)
    ReopenRequest.workflow.check(request, "grant", actor)
    reopening = do_reopen_month(request.org, request.year, request.month, actor=actor,
                                reason=f"补录申请：{request.reason}")
    request.status, request.handled_by, request.handled_at, request.reopening = (
        ReopenRequestStatus.GRANTED, actor, timezone.now(), reopening)
    request.save(update_fields=["status", "handled_by", "handled_at", "reopening"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"同意“{request.org.name}”{request.year}年{request.month}月补录申请",
                 actor=actor, org=request.org_id, reopen_request=request.pk,
                 status=request.status)
    return request


@transaction.atomic
def do_refuse_reopen_request(request, *, actor, note) -> ReopenRequest:
    request = _locked_request(request)
    ReopenRequest.workflow.check(request, "refuse", actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "不同意时请填写原因。"})
    request.status, request.handled_by, request.handled_at, request.note = (
        ReopenRequestStatus.REFUSED, actor, timezone.now(), note[:300])
    request.save(update_fields=["status", "handled_by", "handled_at", "note"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"不同意“{request.org.name}”{request.year}年{request.month}月补录申请："
                 f"{note[:100]}", actor=actor, org=request.org_id, reopen_request=request.pk,
                 status=request.status, reason=request.note)
    return request
