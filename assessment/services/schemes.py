"""Schemes (考核方案): created from the default scoring tables, edited until the first quarter is
published, and versioned after that (a new version supersedes the locked one)."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from assessment.metrics import METRICS
from assessment.models import (
    Indicator,
    IndicatorKind,
    Scheme,
    ScoreEntry,
    ScoreItem,
    TargetKind,
)
from assessment.rules import RuleError, check_rule
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import require

DEFAULTS_PATH = Path(settings.BASE_DIR) / "fixtures" / "assessment_schemes.json"


def default_tables() -> dict:
    tables = json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    tables.pop("_comment", None)
    return tables


def check_indicator(scheme, indicator):
    """The rules an indicator must meet; raises ValidationError with Chinese messages."""
    if indicator.kind == IndicatorKind.AUTO:
        metric = METRICS.get(indicator.metric)
        if metric is None:
            raise ValidationError({"metric": "请选择数据来源指标。"})
        if metric.target_kind != scheme.target_kind:
            raise ValidationError({"metric": f"“{metric.label}”不适用于考核"
                                             f"{scheme.get_target_kind_display()}。"})
        try:
            check_rule(indicator.rule)
        except RuleError as exc:
            raise ValidationError({"rule": str(exc)}) from exc
    elif indicator.metric:
        raise ValidationError({"metric": "只有自动计分指标有数据来源。"})


def check_editable(scheme):
    if scheme.is_locked:
        raise ValidationError("方案已在首个季度排位发布后锁定；如需修改请新建版本。",
                              code="locked")


def create_scheme(*, actor, name, year, assessing_body, target_kind, start_date, end_date,
                  action=None, indicators=(), **options) -> Scheme:
    """A scheme with its indicators (dicts of Indicator fields), checked as a whole."""
    require(actor, "assessment.scheme", assessing_body)
    if target_kind == TargetKind.PERSON and action is None:
        raise ValidationError({"action": "考核个人的方案须选择行动。"})
    if end_date < start_date or start_date.year != year:
        raise ValidationError({"end_date": "考核期应在本年度内且结束日期不早于开始日期。"})
    with transaction.atomic():
        scheme = Scheme(name=name, year=year, assessing_body=assessing_body,
                        target_kind=target_kind, action=action, start_date=start_date,
                        end_date=end_date, created_by=actor, **options)
        scheme.full_clean()
        scheme.save()
        for order, row in enumerate(indicators, start=1):
            indicator = Indicator(scheme=scheme, order=order, **row)
            check_indicator(scheme, indicator)
            indicator.full_clean()
            indicator.save()
        unknown = [c for c in scheme.tie_break if not scheme.indicators.filter(code=c).exists()]
        if unknown:
            raise ValidationError({"tie_break": f"同分比较指标不在本方案中：{'、'.join(unknown)}"})
        audit.record(AuditAction.CREATE, f"新建考核方案：{scheme}", actor=actor, scheme=scheme.pk)
    return scheme


def create_default_scheme(*, actor, year, assessing_body, target_kind, action=None,
                          start_date=None, end_date=None) -> Scheme:
    """A scheme from the default table of `target_kind` (fixtures/assessment_schemes.json)."""
    table = default_tables()[target_kind]
    indicators = [{**row, "max_points": Decimal(row["max_points"])}
                  for row in table["indicators"]]
    name = table["name"] if action is None else f"“{action.name}”{table['name']}"
    return create_scheme(
        actor=actor, name=name, year=year, assessing_body=assessing_body,
        target_kind=target_kind, action=action,
        start_date=start_date or datetime.date(year, 1, 1),
        end_date=end_date or datetime.date(year, 12, 31),
        part_year_rule=table["part_year_rule"],
        excellent_max_ratio=Decimal(table["excellent_max_ratio"]),
        tie_break=table["tie_break"], indicators=indicators)


def new_version(scheme, *, actor) -> Scheme:
    """Copy a locked scheme and its indicators as the next version, which supersedes it."""
    require(actor, "assessment.scheme", scheme.assessing_body)
    if not scheme.is_locked:
        raise ValidationError("方案尚未锁定，可直接修改。", code="state")
    if Scheme.objects.filter(supersedes=scheme).exists():
        raise ValidationError("该版本已有新版本。", code="state")
    with transaction.atomic():
        indicators = list(scheme.indicators.all())
        old_pk = scheme.pk
        scheme.pk = None
        scheme.id = None
        scheme._state.adding = True
        scheme.version += 1
        scheme.supersedes_id = old_pk
        scheme.locked_at = None
        scheme.created_by = actor
        scheme.save()
        for indicator in indicators:
            indicator.pk = None
            indicator.scheme = scheme
        Indicator.objects.bulk_create(indicators)
        audit.record(AuditAction.CREATE, f"新建考核方案版本：{scheme}", actor=actor,
                     scheme=scheme.pk, supersedes=old_pk)
    return scheme


# --- Editing a scheme while it is unlocked ----------------------------------------------------

SCHEME_FIELDS = ("name", "start_date", "end_date", "part_year_rule", "poor_min_ratio",
                 "excellent_max_ratio", "excellent_min_score", "tie_break", "appeal_days")
INDICATOR_FIELDS = ("code", "name", "description", "kind", "period", "metric", "rule",
                    "max_points", "order")


def _locked_scheme(scheme, actor):
    scheme = Scheme.objects.select_for_update().select_related("assessing_body").get(
        pk=scheme.pk)
    require(actor, "assessment.scheme", scheme.assessing_body)
    check_editable(scheme)
    return scheme


def update_scheme(scheme, *, actor, **fields) -> Scheme:
    """Change the scheme's own fields (dates, grading rules, tie-break keys) while unlocked."""
    with transaction.atomic():
        scheme = _locked_scheme(scheme, actor)
        for name in SCHEME_FIELDS:
            if name in fields:
                setattr(scheme, name, fields[name])
        if scheme.start_date.year != scheme.year or scheme.end_date.year != scheme.year:
            raise ValidationError({"start_date": f"考核期应在{scheme.year}年之内。"})
        scheme.full_clean()
        codes = set(scheme.indicators.values_list("code", flat=True))
        unknown = [c for c in scheme.tie_break if c not in codes]
        if unknown:
            raise ValidationError({"tie_break": f"同分比较指标不在本方案中：{'、'.join(unknown)}"})
        scheme.save()
        audit.record(AuditAction.UPDATE, f"修改考核方案：{scheme}", actor=actor, scheme=scheme.pk)
    return scheme


def save_indicator(scheme, *, actor, indicator=None, **fields) -> Indicator:
    """Add a row to the scoring table, or change one, while the scheme is unlocked."""
    with transaction.atomic():
        scheme = _locked_scheme(scheme, actor)
        if indicator is None:
            indicator = Indicator(scheme=scheme)
        else:
            indicator = scheme.indicators.select_for_update().get(pk=indicator.pk)
        old_code = indicator.code
        for name in INDICATOR_FIELDS:
            if name in fields:
                setattr(indicator, name, fields[name])
        if indicator.kind != IndicatorKind.AUTO:
            indicator.metric, indicator.rule = "", {}
        check_indicator(scheme, indicator)
        indicator.full_clean()
        indicator.save()
        if old_code and old_code != indicator.code and old_code in scheme.tie_break:
            scheme.tie_break = [indicator.code if c == old_code else c
                                for c in scheme.tie_break]
            scheme.save(update_fields=["tie_break"])
        audit.record(AuditAction.UPDATE, f"修改考核指标：{scheme} · {indicator.name}",
                     actor=actor, scheme=scheme.pk, indicator=indicator.pk)
    return indicator


def delete_indicator(scheme, *, actor, indicator) -> Scheme:
    """Remove a row: refused once points were entered for it; a draft quarter's computed
    items for it go (the draft is scored again before it is published)."""
    with transaction.atomic():
        scheme = _locked_scheme(scheme, actor)
        indicator = scheme.indicators.select_for_update().get(pk=indicator.pk)
        if ScoreEntry.objects.filter(indicator=indicator).exists():
            raise ValidationError(f"“{indicator.name}”已有录入的分值，不能删除；"
                                  "可将分值上限改为 0。", code="entered")
        ScoreItem.objects.filter(indicator=indicator).delete()
        if indicator.code in scheme.tie_break:
            scheme.tie_break = [c for c in scheme.tie_break if c != indicator.code]
            scheme.save(update_fields=["tie_break"])
        name = indicator.name
        indicator.delete()
        audit.record(AuditAction.DELETE, f"删除考核指标：{scheme} · {name}", actor=actor,
                     scheme=scheme.pk)
    return scheme
