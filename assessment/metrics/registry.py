"""The metrics registry: what an automatic indicator can measure, computed for a whole cohort.

A metric takes the cohort (each member with the window it is assessed in) and the period, and
returns {target id: Measure(value, ids)} — the value and the ids of the rows that produced it
(activities, claims, evaluations...), so every automatic point drills down to its evidence.
It runs a bounded number of set-based queries whatever the cohort's size: grouped aggregates,
one per month at most, never a query per target.

Windows are month-granular: a member replaced on the 10th counts for that month, and their
successor from it (004 六.2). Only metrics whose data is recorded exist here (meeting
attendance is free text; resource delivery is not recorded).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Aggregate, Count, TextField

from ledger.periods import next_month


@dataclass(frozen=True)
class Member:
    """A cohort member and the dates it is assessed in: [start, end)."""

    target_id: int
    start: datetime.date
    end: datetime.date

    def months(self) -> list[tuple[int, int]]:
        return months_between(self.start, self.end)


@dataclass
class Cohort:
    """The members with their windows, and `ids`: a subquery of the same targets' ids (a
    values("pk") queryset) for the metric's queries — never a list of thousands of ids."""

    members: list
    ids: object

    @property
    def period(self):
        return period_of(self.members)


@dataclass
class Measure:
    value: Decimal = Decimal(0)
    ids: list = field(default_factory=list)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    target_kind: str  # assessment.models.TargetKind value
    unit: str  # "个月", "次", "分", "%"
    source: str  # the model the ids are of: "activity", "claim", "evaluation", ...
    basis: str  # what it counts and where the seed asks for it
    compute: Callable  # (cohort: Cohort) -> {target_id: Measure}


METRICS: dict[str, Metric] = {}


def register_metric(code, *, label, target_kind, unit, source, basis):
    def register(func):
        if code in METRICS:
            raise ValueError(f"metric {code!r} registered twice")
        METRICS[code] = Metric(code, label, target_kind, unit, source, basis, func)
        return func

    return register


def metric_choices(target_kind=None):
    return [(m.code, m.label) for m in METRICS.values()
            if target_kind is None or m.target_kind == target_kind]


def months_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    """The (year, month)s that [start, end) touches."""
    months, ym = [], (start.year, start.month)
    while end > start and datetime.date(*ym, 1) < end:
        months.append(ym)
        ym = next_month(*ym)
    return months


def period_of(members) -> tuple[datetime.date, datetime.date] | None:
    if not members:
        return None
    return min(m.start for m in members), max(m.end for m in members)


class IdList(Aggregate):
    """The distinct ids of a group as "3,17,42" (GROUP_CONCAT / STRING_AGG): a grouped query
    returns each target's value and the rows behind it in one pass."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(distinct)s%(expressions)s)"
    allow_distinct = True
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, distinct=True, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(%(distinct)s%(expressions)s::text, ',')",
                           **extra_context)


def per_target(queryset, target, row="id"):
    """Rows (target_id, n, ids_text) of `queryset` grouped by the `target` field: how many
    distinct `row`s each target has, and which — the shape monthly_groups and grouped read."""
    return (queryset.values(target).order_by()
            .annotate(n=Count(row, distinct=True), ids=IdList(row))
            .values_list(target, "n", "ids"))


def parse_ids(text) -> list[int]:
    return sorted({int(v) for v in text.split(",")}) if text else []


def monthly_groups(cohort, grouped_for_month, *, count="months"):
    """Run `grouped_for_month(first, next_first, ids)` once per month of the period — rows
    (target_id, n, ids_text) of the targets with ≥1 row that month — and keep, per member, only
    the months inside its own window. The value counts those months (count="months") or adds
    up their n (count="rows"): {target_id: Measure(value, ids)}."""
    result = {m.target_id: Measure() for m in cohort.members}
    window = {m.target_id: set(m.months()) for m in cohort.members}
    span = cohort.period
    if span is None:
        return result
    for ym in months_between(*span):
        first = datetime.date(*ym, 1)
        for target_id, n, ids_text in grouped_for_month(
                first, datetime.date(*next_month(*ym), 1), cohort.ids):
            if ym in window.get(target_id, ()):
                measure = result[target_id]
                measure.value += 1 if count == "months" else n
                measure.ids.extend(parse_ids(ids_text))
    for measure in result.values():
        measure.ids.sort()
    return result


def grouped(cohort, rows):
    """{target_id: Measure(value, ids)} from rows (target_id, value, ids_text) of one grouped
    query, zero for the members without a row."""
    result = {m.target_id: Measure() for m in cohort.members}
    for target_id, value, ids_text in rows:
        if target_id in result:
            result[target_id] = Measure(Decimal(str(value or 0)), parse_ids(ids_text))
    return result
