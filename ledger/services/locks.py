"""Period locks: a month closes on LEDGER_CLOSE_DAY of the next month; a township admin may
reopen one organization's month for a while, with a reason (audited)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger.models import MonthReopening
from ledger.periods import close_date, is_closed
from portal import audit
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
                f"{closed.day}日关闭，不能再新增或修改。如需补录，请联系乡镇管理员开放该月。")
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
