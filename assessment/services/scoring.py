"""Quarterly scoring (季度汇总、排位): score a scheme's cohort for a quarter, publish it.

`score_quarter` is idempotent: it replaces the draft run's scores with freshly computed ones,
so re-running it yields the same rows. A quarter's cost is one metric computation per
automatic indicator (each a bounded number of grouped queries), one query for the entered
points, and bulk writes — independent of the number of people.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliances.services.stars import rate_from_score
from assessment.cohorts import cohort_for, target_field
from assessment.metrics import METRICS
from assessment.models import (
    IndicatorKind,
    IndicatorPeriod,
    QuarterScore,
    RunStatus,
    ScoreEntry,
    ScoreItem,
    ScoringRun,
    TargetKind,
)
from assessment.periods import scheme_quarter_range
from assessment.rules import RuleError, apply_rule, competition_ranks
from portal import audit
from portal.models.audit import AuditAction

ZERO = Decimal(0)
BATCH = 1000


def _noop(percent, message=""):
    pass


def check_quarter(scheme, quarter):
    if quarter not in scheme.quarters():
        raise ValidationError(f"{scheme} 不包含第 {quarter} 季度（考核期 "
                              f"{scheme.start_date:%Y-%m-%d} 至 {scheme.end_date:%Y-%m-%d}）。",
                              code="quarter")
    return scheme_quarter_range(scheme, quarter)


def indicators_of(scheme, period):
    return list(scheme.indicators.filter(period=period).order_by("order", "id"))


def entered_points(indicators, field, *, quarter):
    """{(indicator_id, target_id): entry} for the entered indicators of the period."""
    entered = [i.pk for i in indicators if i.is_entered]
    entries = ScoreEntry.objects.filter(indicator_id__in=entered, quarter=quarter)
    return {(e.indicator_id, getattr(e, field)): e for e in entries}


def compute_items(scheme, cohort, indicators, *, quarter, report=_noop):
    """{target_id: [ScoreItem (unsaved, no score yet)]} and the vetoed target ids."""
    field = target_field(scheme)
    targets = [m.target_id for m in cohort.members]
    items = defaultdict(list)
    vetoed = set()
    entries = entered_points(indicators, field, quarter=quarter)
    autos = [i for i in indicators if i.kind == IndicatorKind.AUTO]
    for done, indicator in enumerate(autos, start=1):
        metric = METRICS.get(indicator.metric)
        if metric is None or metric.target_kind != scheme.target_kind:
            raise ValidationError(f"指标“{indicator.name}”的数据来源“{indicator.metric}”不适用于"
                                  "该方案的考核对象。", code="metric")
        measures = metric.compute(cohort)
        try:
            points = apply_rule(indicator.rule, {t: measures[t].value for t in targets},
                                indicator.max_points)
        except RuleError as exc:
            raise ValidationError(f"指标“{indicator.name}”：{exc}", code="rule") from exc
        for target in targets:
            measure = measures[target]
            items[target].append(ScoreItem(indicator=indicator, value=measure.value,
                                           points=points[target], source_ids=measure.ids))
        report(10 + 60 * done // max(len(autos), 1), f"已计算 {indicator.name}")
    for indicator in indicators:
        if not indicator.is_entered:
            continue
        for target in targets:
            entry = entries.get((indicator.pk, target))
            if indicator.kind == IndicatorKind.VETO:
                if entry is not None:
                    vetoed.add(target)
                    items[target].append(ScoreItem(indicator=indicator, points=ZERO,
                                                   note=f"一票否决：{entry.reason}"[:300]))
                continue
            points = entry.points if entry else ZERO
            if indicator.kind == IndicatorKind.DEDUCTION:
                points = -points
            note = entry.reason[:300] if entry else ""
            items[target].append(ScoreItem(indicator=indicator, points=points, note=note))
    return items, vetoed


def clear_run(run):
    """Delete a draft run's scores and items in two statements. Neither model has signals or
    history, and nothing else points at a score, so Django's collector (which would select
    every score and delete 100 ids a statement) has nothing to do."""
    ScoreItem.objects.filter(score__run=run)._raw_delete(ScoreItem.objects.db)
    QuarterScore.objects.filter(run=run)._raw_delete(QuarterScore.objects.db)


def score_quarter(scheme, quarter, *, actor=None, report=_noop) -> ScoringRun:
    """Score the scheme's cohort for `quarter` of its year (a draft run; published runs are
    refused). `actor` None is the system (command, beat schedule)."""
    period = check_quarter(scheme, quarter)
    with transaction.atomic():
        run, _ = ScoringRun.objects.select_for_update().get_or_create(scheme=scheme,
                                                                       quarter=quarter)
        if actor is not None:
            ScoringRun.workflow.check(run, "rescore", actor)
        elif run.status != RunStatus.DRAFT:
            raise ValidationError(ScoringRun.workflow["rescore"].state_error, code="state")
        report(5, "正在确定考核对象")
        cohort = cohort_for(scheme, *period)
        indicators = indicators_of(scheme, IndicatorPeriod.QUARTER)
        items, vetoed = compute_items(scheme, cohort, indicators, quarter=quarter,
                                      report=report)
        report(75, "正在排位")
        field = target_field(scheme)
        totals = {m.target_id: sum((i.points for i in items[m.target_id]), ZERO)
                  for m in cohort.members}
        ranks = competition_ranks(totals)
        months = {m.target_id: len(m.months()) for m in cohort.members}
        clear_run(run)
        scores = QuarterScore.objects.bulk_create(
            [QuarterScore(run=run, total=totals[t], rank=ranks[t], active_months=months[t],
                          vetoed=t in vetoed, **{field: t}) for t in totals],
            batch_size=BATCH)
        report(85, "正在保存得分明细")
        rows = []
        for score in scores:
            for item in items[getattr(score, field)]:
                item.score = score
                rows.append(item)
        ScoreItem.objects.bulk_create(rows, batch_size=BATCH)
        run.cohort_size = len(scores)
        run.computed_at = timezone.now()
        run.save(update_fields=["cohort_size", "computed_at"])
        audit.record(AuditAction.UPDATE, f"季度计分：{run}（{run.cohort_size} 个考核对象）",
                     actor=actor, run=run.pk)
    return run


def rate_alliances(run):
    """An alliance scheme's published quarter sets each scored alliance's stars from its total
    (动态评星, by the thresholds of alliances.stars). A quarter published again after a
    re-scoring re-rates; an unchanged total writes nothing. The system rates (actor None): the
    publisher answers for the scores, and may hold no alliance.manage on the townships."""
    scores = (QuarterScore.objects.filter(run=run).select_related("alliance__owner")
              .order_by("rank", "id"))
    return [rating for score in scores
            if (rating := rate_from_score(score.alliance, run.scheme.year, run.quarter,
                                          score.total, actor=None)) is not None]


def publish_run(run, *, actor) -> ScoringRun:
    """Publish a quarter's ranking: people see it and may appeal; the scheme locks. For an
    alliance scheme, the alliances' stars of the quarter follow in the same transaction."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
        ScoringRun.workflow.check(run, "publish", actor)
        if run.computed_at is None:
            raise ValidationError("该季度尚未计分，请先计分再发布。", code="state")
        now = timezone.now()
        run.status, run.published_at, run.published_by = RunStatus.PUBLISHED, now, actor
        run.save(update_fields=["status", "published_at", "published_by"])
        scheme = run.scheme
        if scheme.locked_at is None:
            scheme.locked_at = now
            scheme.save(update_fields=["locked_at"])
        audit.record(AuditAction.TRANSITION, f"发布季度排位：{run}", actor=actor, run=run.pk)
        if scheme.target_kind == TargetKind.ALLIANCE:
            rate_alliances(run)
    return run
