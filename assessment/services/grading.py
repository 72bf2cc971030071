"""Annual grading (年度等次): accumulate the quarters and the annual indicators, grade the
cohort with `assessment.grading.grade_cohort`, then submit → file (备案) → locked.

The annual total is the sum of the published quarters' totals ("每季度进行汇总，每年根据积分情况")
— for a part-year member under the per-active-month rule, scaled to the scheme's months — plus
the annual indicators. The tie-break keys are the yearly sums of the values of the indicators
the scheme names, compared after the total.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from assessment.cohorts import cohort_for, target_field
from assessment.grading import Grade, grade_cohort
from assessment.models import (
    AnnualGrade,
    Grading,
    GradingStatus,
    IndicatorPeriod,
    PartYearRule,
    QuarterScore,
    RunStatus,
    ScoreItem,
    ScoringRun,
)
from assessment.periods import month_count, scheme_range
from assessment.rules import competition_ranks
from assessment.services.scoring import compute_items, indicators_of
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import require

CENT = Decimal("0.01")
NO_EXCELLENT_RULE = ("该方案未规定“优秀”等次的比例上限或最低分（本县规定），不能评定等次。"
                     "请先在方案中填写。")


def _noop(percent, message=""):
    pass


def missing_quarters(scheme):
    published = set(ScoringRun.objects.filter(scheme=scheme, status=RunStatus.PUBLISHED)
                    .values_list("quarter", flat=True))
    return [q for q in scheme.quarters() if q not in published]


def check_gradable(scheme):
    if not scheme.has_excellent_rule:
        raise ValidationError(NO_EXCELLENT_RULE, code="no_excellent_rule")
    missing = missing_quarters(scheme)
    if missing:
        quarters = "、".join(f"第{q}季度" for q in missing)
        raise ValidationError(f"{quarters}排位尚未发布，不能评定年度等次。", code="quarters")


def _quarter_sums(scheme, field):
    """{target: (sum of totals, active months, any veto)} over the published quarters."""
    rows = (QuarterScore.objects.filter(run__scheme=scheme, run__status=RunStatus.PUBLISHED)
            .values(field).order_by()
            .annotate(total=Sum("total"), months=Sum("active_months"),
                      veto=Count("id", filter=Q(vetoed=True)))
            .values_list(field, "total", "months", "veto"))
    return {t: (total or Decimal(0), months or 0, bool(veto)) for t, total, months, veto in rows}


def _tie_values(scheme, field):
    """{target: [yearly value of each tie-break indicator]} in the scheme's order."""
    codes = list(scheme.tie_break or [])
    if not codes:
        return {}, codes
    rows = (ScoreItem.objects.filter(score__run__scheme=scheme,
                                     score__run__status=RunStatus.PUBLISHED,
                                     indicator__code__in=codes)
            .values(f"score__{field}", "indicator__code").order_by()
            .annotate(value=Sum("value"))
            .values_list(f"score__{field}", "indicator__code", "value"))
    values = {}
    for target, code, value in rows:
        values.setdefault(target, dict.fromkeys(codes, Decimal(0)))[code] = value or Decimal(0)
    return {t: [v[c] for c in codes] for t, v in values.items()}, codes


def annual_totals(scheme, cohort, *, report=_noop):
    """{target: (total, active months, vetoed, tie values)} for the cohort."""
    field = target_field(scheme)
    quarters = _quarter_sums(scheme, field)
    year_items, year_vetoed = compute_items(
        scheme, cohort, indicators_of(scheme, IndicatorPeriod.YEAR), quarter=None,
        report=report)
    ties, codes = _tie_values(scheme, field)
    scheme_months = month_count(*scheme_range(scheme))
    result = {}
    for member in cohort.members:
        t = member.target_id
        quarter_total, months, vetoed = quarters.get(t, (Decimal(0), 0, False))
        if scheme.part_year_rule == PartYearRule.PER_ACTIVE_MONTH and 0 < months < scheme_months:
            quarter_total = quarter_total * scheme_months / months
        total = (quarter_total + sum((i.points for i in year_items[t]), Decimal(0))).quantize(
            CENT, rounding=ROUND_HALF_UP)
        result[t] = (total, months, vetoed or t in year_vetoed,
                     ties.get(t, [Decimal(0)] * len(codes)))
    return result, year_items


def grade_year(scheme, *, actor=None, report=_noop) -> Grading:
    """Preview the scheme's annual grades (recomputed while the grading is a preview)."""
    check_gradable(scheme)
    with transaction.atomic():
        grading, _ = Grading.objects.select_for_update().get_or_create(scheme=scheme)
        if actor is not None:
            Grading.workflow.check(grading, "regrade", actor)
        elif grading.status != GradingStatus.PREVIEW:
            raise ValidationError(Grading.workflow["regrade"].state_error, code="state")
        report(10, "正在汇总季度积分")
        cohort = cohort_for(scheme, *scheme_range(scheme))
        totals, _ = annual_totals(scheme, cohort, report=report)
        keys = {t: (total, *ties) for t, (total, _, _, ties) in totals.items()}
        report(70, "正在评定等次")
        outcome = grade_cohort(keys, poor_min_ratio=scheme.poor_min_ratio,
                               excellent_max_ratio=scheme.excellent_max_ratio,
                               excellent_min_score=scheme.excellent_min_score,
                               vetoed=[t for t, row in totals.items() if row[2]])
        ranks = competition_ranks(keys)
        field = target_field(scheme)
        grading.grades.all().delete()
        AnnualGrade.objects.bulk_create([
            AnnualGrade(grading=grading, total=total, tie_key=[str(v) for v in ties],
                        rank=ranks[t], active_months=months,
                        computed_grade=outcome.grades[t], grade=outcome.grades[t],
                        poor_reason=outcome.poor_reasons.get(t, ""), **{field: t})
            for t, (total, months, _, ties) in totals.items()], batch_size=1000)
        grading.cohort_size = outcome.cohort_size
        grading.poor_quota = outcome.poor_quota
        grading.over_quota = outcome.over_quota
        grading.excellent_cap = outcome.excellent_cap
        grading.computed_at = timezone.now()
        grading.save()
        audit.record(AuditAction.UPDATE,
                     f"年度等次评定预览：{scheme}（N={outcome.cohort_size}，"
                     f"差 {outcome.count(Grade.POOR)}，最低 {outcome.poor_quota}）",
                     actor=actor, grading=grading.pk)
    return grading


def _transition(grading, name, actor, summary, **changes):
    with transaction.atomic():
        grading = Grading.objects.select_for_update().select_related("scheme").get(
            pk=grading.pk)
        transition = Grading.workflow.check(grading, name, actor)
        grading.status = transition.target
        for key, value in changes.items():
            setattr(grading, key, value)
        grading.save()
        audit.record(AuditAction.TRANSITION, f"{summary}：{grading}", actor=actor,
                     grading=grading.pk)
    return grading


def submit_grading(grading, *, actor):
    if grading.computed_at is None:
        raise ValidationError("尚未评定等次，请先生成预览。", code="state")
    return _transition(grading, "submit", actor, "报送年度等次", submitted_at=timezone.now(),
                       submitted_by=actor, return_reason="")


def file_grading(grading, *, actor):
    return _transition(grading, "file", actor, "备案年度等次", filed_at=timezone.now(),
                       filed_by=actor)


def return_grading(grading, *, actor, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回原因。"})
    return _transition(grading, "return", actor, "退回年度等次", return_reason=reason[:300])


def change_grade(annual_grade, *, actor, grade, reason):
    """Change one grade on record, with a reason (audited). Held to the same floor: the
    cohort's 差 never drops below ceil(10% × N)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "调整等次须填写理由。"})
    if grade not in {g.value for g in Grade}:
        raise ValidationError({"grade": "等次应为优秀、良好或差。"})
    with transaction.atomic():
        annual_grade = (AnnualGrade.objects.select_for_update()
                        .select_related("grading__scheme__assessing_body")
                        .get(pk=annual_grade.pk))
        grading = annual_grade.grading
        if grading.status == GradingStatus.FILED:  # after 备案: 组织部 only
            require(actor, "assessment.file", grading.scheme.assessing_body)
        else:
            _require_score_or_file(actor, grading)
        if annual_grade.grade == grade:
            raise ValidationError({"grade": "等次未变化。"})
        poor_after = grading.grades.filter(grade=Grade.POOR).exclude(pk=annual_grade.pk).count() \
            + (grade == Grade.POOR)
        if poor_after < grading.poor_quota:
            raise ValidationError(
                f"调整后“差”等次为 {poor_after} 人，少于总人数的10%（至少 {grading.poor_quota} "
                "人），不能调整。", code="quota")
        before = annual_grade.get_grade_display()
        annual_grade.grade = grade
        annual_grade.change_reason = reason[:300]
        annual_grade.save(update_fields=["grade", "change_reason"])
        audit.record(AuditAction.UPDATE,
                     f"调整年度等次：{annual_grade.target} {before} → "
                     f"{annual_grade.get_grade_display()}（{reason[:100]}）",
                     actor=actor, annual_grade=annual_grade.pk, grading=grading.pk)
    return annual_grade


def _require_score_or_file(actor, grading):
    body = grading.scheme.assessing_body
    for capability in ("assessment.score", "assessment.file"):
        try:
            require(actor, capability, body)
            return
        except PermissionDenied:
            continue
    raise PermissionDenied("只有考核单位或县委组织部可以调整等次。")
