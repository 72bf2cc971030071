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
from assessment.models import Indicator, IndicatorKind, Scheme, TargetKind
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
