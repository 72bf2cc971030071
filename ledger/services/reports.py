"""The township half-year report (004 四.二.3): the township writes, saves and submits; the
county files it or returns it with a reason.

draft → submitted → filed (read-only), or submitted → returned → submitted again. The figures
are compiled by ledger.summaries on every save and submit, so they stay current until the
report is filed; once filed they are frozen. Every change is atomic and audited; permission
comes before state (`TownshipReport.workflow.check`).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.models import ReportStatus, TownshipReport
from ledger.summaries import half_bounds, township_report_figures
from portal import audit
from portal.batch import apply_to_each
from portal.models.orgs import OrgKind
from portal.scope import require

HALF_LABELS = {1: "上半年", 2: "下半年"}
TEXT_FIELDS = ("summary", "problems", "next_steps")
TEXT_LABELS = {"summary": "工作开展情况", "problems": "存在问题", "next_steps": "下步打算"}


def half_label(year, half):
    return f"{year}年{HALF_LABELS[half]}"


def report_title(township, year, half):
    return f"{township.name}{half_label(year, half)}城乡党建统筹共建工作报告"


def period_problem(year, half, *, today=None) -> str | None:
    """A Chinese explanation when no report can be written for this half year (yet)."""
    today = today or timezone.localdate()
    if half not in HALF_LABELS or not 2000 <= year <= 2100:
        return "报告期不正确。"
    if half_bounds(year, half)[0] > today:
        return f"{half_label(year, half)}尚未开始，不能撰写报告。"
    return None


def _locked(report):
    return (TownshipReport.objects.select_for_update().select_related("township")
            .get(pk=report.pk))


def _apply_text(report, texts):
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown report fields: {sorted(unknown)}")
    for name, value in texts.items():
        setattr(report, name, (value or "").strip())


def _open_report(township, year, half, *, actor):
    """The township's report for the half year, locked; created as a draft when missing."""
    require(actor, "report.write", township)
    if township.kind != OrgKind.TOWNSHIP:
        raise ValidationError("半年报告只能由乡镇撰写。")
    problem = period_problem(year, half)
    if problem:
        raise ValidationError(problem)
    report = TownshipReport.objects.filter(township=township, year=year, half=half).first()
    if report is None:
        try:
            with transaction.atomic():
                report = TownshipReport.objects.create(township=township, year=year, half=half)
        except IntegrityError:  # created meanwhile by a colleague: use theirs
            report = TownshipReport.objects.get(township=township, year=year, half=half)
    return _locked(report)


@transaction.atomic
def do_save_report(township, year, half, *, actor, **texts) -> TownshipReport:
    """Save the township's text (creating the draft if needed) and recompile the figures."""
    report = _open_report(township, year, half, actor=actor)
    TownshipReport.workflow.check(report, "write", actor)
    _apply_text(report, texts)
    report.figures = township_report_figures(report.township, year, half)
    report.save()
    audit.record(audit.AuditAction.UPDATE,
                 f"保存{report_title(report.township, year, half)}（草稿）", actor=actor,
                 report=report.pk, township=report.township_id)
    return report


@transaction.atomic
def do_submit_report(township, year, half, *, actor, **texts) -> TownshipReport:
    """Save (optionally new text) and submit to the county; every text section is required."""
    report = _open_report(township, year, half, actor=actor)
    TownshipReport.workflow.check(report, "submit", actor)
    _apply_text(report, texts)
    missing = {name: f"提交前请填写“{TEXT_LABELS[name]}”。"
               for name in TEXT_FIELDS if not getattr(report, name)}
    if missing:
        raise ValidationError(missing)
    report.figures = township_report_figures(report.township, year, half)
    report.status, report.submitted_at, report.return_reason = (
        ReportStatus.SUBMITTED, timezone.now(), "")
    report.save()
    audit.record(audit.AuditAction.TRANSITION,
                 f"提交{report_title(report.township, year, half)}", actor=actor,
                 report=report.pk, township=report.township_id, status=report.status)
    return report


@transaction.atomic
def do_file_report(report, *, actor) -> TownshipReport:
    """县委组织部备案: the submitted report becomes read-only, its figures frozen."""
    report = _locked(report)
    TownshipReport.workflow.check(report, "file", actor)
    report.status, report.filed_at, report.filed_by = ReportStatus.FILED, timezone.now(), actor
    report.save(update_fields=["status", "filed_at", "filed_by"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"备案{report_title(report.township, report.year, report.half)}",
                 actor=actor, report=report.pk, township=report.township_id,
                 status=report.status)
    return report


@transaction.atomic
def do_return_report(report, *, actor, reason) -> TownshipReport:
    report = _locked(report)
    TownshipReport.workflow.check(report, "return", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    report.status, report.return_reason = ReportStatus.RETURNED, reason[:300]
    report.save(update_fields=["status", "return_reason"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"退回{report_title(report.township, report.year, report.half)}：{reason[:80]}",
                 actor=actor, report=report.pk, township=report.township_id,
                 status=report.status, reason=report.return_reason)
    return report


def do_file_reports(reports, *, actor) -> list[TownshipReport]:
    """批量备案: each report through do_file_report, all or none."""
    return apply_to_each(reports, do_file_report, actor=actor,
                         label=lambda r: report_title(r.township, r.year, r.half))


def current_half(today: datetime.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return today.year, 1 if today.month <= 6 else 2


def previous_half(year, half):
    return (year, 1) if half == 2 else (year - 1, 2)
