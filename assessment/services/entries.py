"""Points the assessing body enters: evaluations (评价), bonus (加分), deductions (扣分) and
vetoes (一票否决), and the villages' ratings of the talents who served them."""

from django.core.exceptions import ValidationError
from django.db import transaction

from assessment.cohorts import target_field
from assessment.models import (
    IndicatorKind,
    IndicatorPeriod,
    RunStatus,
    ScoreEntry,
    ScoringRun,
    TalentEvaluation,
)
from assessment.periods import quarter_range
from ledger.models import ActivityStatus, Participation
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import require

NEEDS_EVIDENCE = {IndicatorKind.BONUS, IndicatorKind.DEDUCTION, IndicatorKind.VETO}
NEEDS_REASON = NEEDS_EVIDENCE


def _check_open(indicator, quarter):
    """Entries of a published quarter (or, for an annual item, a filed grading) are closed."""
    scheme = indicator.scheme
    if indicator.period == IndicatorPeriod.QUARTER:
        if quarter not in scheme.quarters():
            raise ValidationError({"quarter": "该季度不在考核期内。"})
        if ScoringRun.objects.filter(scheme=scheme, quarter=quarter,
                                     status=RunStatus.PUBLISHED).exists():
            raise ValidationError("该季度排位已发布，不能再录入；如需更正请通过申诉处理。",
                                  code="state")
    elif quarter is not None:
        raise ValidationError({"quarter": "年度指标不分季度。"})
    else:
        grading = getattr(scheme, "grading", None)
        if grading is not None and grading.status != "preview":
            raise ValidationError("年度等次已报送或备案，不能再录入年度指标。", code="state")


def record_entry(indicator, target, *, actor, quarter=None, points=0, reason="", level="",
                 evidence=None) -> ScoreEntry:
    """Create or replace the entry of `indicator` for `target` (a Person, Organization or
    Alliance, as the scheme assesses)."""
    scheme = indicator.scheme
    require(actor, "assessment.score", scheme.assessing_body)
    if not indicator.is_entered:
        raise ValidationError("自动计分指标不能手工录入。", code="kind")
    errors = {}
    if indicator.kind == IndicatorKind.VETO:
        points = 0
    elif not 0 <= points <= indicator.max_points:
        errors["points"] = f"分值应在 0 至 {indicator.max_points} 之间。"
    if indicator.kind in NEEDS_REASON and not (reason or "").strip():
        errors["reason"] = f"{indicator.get_kind_display()}须填写理由。"
    if indicator.kind == IndicatorKind.BONUS and not level:
        errors["level"] = "加分须注明级别（县级、市级、省级及以上）。"
    if errors:
        raise ValidationError(errors)
    key = {"person": None, "org": None, "alliance": None,
           target_field(scheme).removesuffix("_id"): target}
    with transaction.atomic():
        _check_open(indicator, quarter)
        entry = ScoreEntry.objects.filter(indicator=indicator, quarter=quarter, **key).first()
        if indicator.kind in NEEDS_EVIDENCE and not evidence and not (entry and entry.evidence):
            raise ValidationError({"evidence": f"{indicator.get_kind_display()}须上传佐证材料。"})
        entry = entry or ScoreEntry(indicator=indicator, quarter=quarter, **key)
        entry.points, entry.reason, entry.level = points, (reason or "").strip()[:500], level
        entry.entered_by = actor
        if evidence:
            entry.evidence = evidence
        entry.save()
        audit.record(AuditAction.UPDATE,
                     f"考核录入：{indicator.name} · {target} · {entry.points}", actor=actor,
                     entry=entry.pk)
    return entry


def served_village(person, village, year, quarter) -> bool:
    first, after = quarter_range(year, quarter)
    return Participation.objects.filter(
        person=person, activity__org=village, activity__date__gte=first,
        activity__date__lt=after,
        activity__status__in=[ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED]).exists()


def rate_talent(village, person, *, actor, year, quarter, rating, comment="") -> TalentEvaluation:
    """The village rates a talent who served it in the quarter (004 四.三.5)."""
    require(actor, "assessment.evaluate", village)
    if rating not in TalentEvaluation.Rating.values:
        raise ValidationError({"rating": "请选择评价等次。"})
    if not served_village(person, village, year, quarter):
        raise ValidationError(f"{person.name} 本季度未参加本村活动，不能评价。", code="served")
    with transaction.atomic():
        evaluation, _ = TalentEvaluation.objects.update_or_create(
            village=village, person=person, year=year, quarter=quarter,
            defaults={"rating": rating, "comment": (comment or "").strip()[:300],
                      "rated_by": actor})
        audit.record(AuditAction.UPDATE, f"评价城市人才：{village} → {person.name}",
                     actor=actor, evaluation=evaluation.pk)
    return evaluation
