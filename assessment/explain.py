"""Why a score is what it is (得分依据): each item with its rule in words, and every automatic
item down to the rows that produced it.

`explain(items, user)` fetches the rows behind all the items of a score in one query per source
model (activities, claims, evaluations, ...), whatever the number of items or rows. Each row is
marked with whether the viewer may open it: a link to its page when the row is in their scope,
its line here otherwise (a talent reads the activities they took part in without holding
ledger.view on the village).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessment.metrics import METRICS
from assessment.rules import describe_rule

ENTERED_RULE = "由考核单位录入"


@dataclass(frozen=True)
class SourceRow:
    """One row behind a point: when, where, what, and its page (empty: not for this viewer)."""

    pk: int
    date: datetime.date | None
    place: str
    title: str
    url: str = ""


def _day(moment):
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return moment


@dataclass(frozen=True)
class Source:
    """How to read the rows of one source model (`Metric.source`)."""

    model: Callable  # () -> model class, imported late
    related: tuple
    capability: str  # opening the row's page needs it in the row's scope
    describe: Callable  # row -> (date, place, title)


def _activity():
    from ledger.models import Activity
    return Activity


def _claim():
    from pairing.models import Claim
    return Claim


def _evaluation():
    from assessment.models import TalentEvaluation
    return TalentEvaluation


def _agreement():
    from pairing.models import AnnualAgreement
    return AnnualAgreement


def _meeting():
    from pairing.models import JointMeeting
    return JointMeeting


def _alliance_meeting():
    from alliances.models import Meeting
    return Meeting


def _request():
    from ledger.models import ResidentRequest
    return ResidentRequest


def _report():
    from ledger.models import TownshipReport
    return TownshipReport


SOURCES = {
    "activity": Source(_activity, ("org",), "ledger.view",
                       lambda r: (r.date, r.org.name, r.title)),
    "claim": Source(_claim, ("need__village_org",), "need.view",
                    lambda r: (_day(r.confirmed_at), r.need.village_org.name,
                               f"认领：{r.need.title}")),
    "evaluation": Source(_evaluation, ("village",), "assessment.view",
                         lambda r: (None, r.village.name,
                                    f"{r.year}年第{r.quarter}季度评价：{r.get_rating_display()}"
                                    + (f"（{r.comment}）" if r.comment else ""))),
    "agreement": Source(_agreement, ("pairing__village_org", "pairing__city_org"),
                        "pairing.view",
                        lambda r: (_day(r.filed_at or r.village_submitted_at),
                                   f"{r.pairing.city_org.name} — {r.pairing.village_org.name}",
                                   f"{r.year}年三清单一协议（{r.get_status_display()}）")),
    "meeting": Source(_meeting, ("pairing__village_org", "pairing__city_org"), "meeting.view",
                      lambda r: (r.date,
                                 f"{r.pairing.city_org.name} — {r.pairing.village_org.name}",
                                 f"{r.year}年{r.get_half_display()}联席会议")),
    "alliance_meeting": Source(_alliance_meeting, ("alliance",), "alliance.view",
                               lambda r: (_day(r.starts_at), r.alliance.name,
                                          f"{r.get_kind_display()}：{r.title}")),
    # The category only: the request's text may name villagers.
    "request": Source(_request, ("village_org",), "resident.view",
                      lambda r: (r.date, r.village_org.name,
                                 f"民情诉求（{r.get_category_display()}）")),
    "report": Source(_report, ("township",), "report.view",
                     lambda r: (_day(r.submitted_at), r.township.name,
                                f"{r.year}年{r.get_half_display()}工作报告")),
}


def _url(row):
    return row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""


def source_rows(source_key, ids, user) -> dict[int, SourceRow]:
    """{id: SourceRow} of the rows `ids` of one source, in one query (their visibility to
    `user` comes in the same query as an EXISTS on the model's own scope)."""
    source = SOURCES.get(source_key)
    if source is None or not ids:
        return {}
    model = source.model()
    visible = model.objects.visible_to(user, source.capability).filter(pk=OuterRef("pk"))
    rows = (model.objects.filter(pk__in=ids).select_related(*source.related)
            .annotate(viewer_may_open=Exists(visible)))
    result = {}
    for row in rows:
        day, place, title = source.describe(row)
        result[row.pk] = SourceRow(row.pk, day, place, title,
                                   _url(row) if row.viewer_may_open else "")
    return result


@dataclass
class ExplainedItem:
    """A score item as the person reads it."""

    item: object
    indicator: object
    metric: object  # the Metric, or None for an entered item
    rule: str
    rows: list = field(default_factory=list)
    missing: int = 0  # ids whose rows no longer exist (deleted since the scoring)

    @property
    def is_auto(self):
        return self.metric is not None


def rule_text(indicator) -> str:
    if indicator.is_entered:
        return ENTERED_RULE
    return describe_rule(indicator.rule, indicator.max_points)


def _sort_key(row):
    return (row.date or datetime.date.min, row.pk)


def explain(items, user) -> list[ExplainedItem]:
    """The items (with their indicators loaded) explained, rows fetched per source model."""
    wanted = {}
    for item in items:
        metric = METRICS.get(item.indicator.metric) if not item.indicator.is_entered else None
        if metric is not None and item.source_ids:
            wanted.setdefault(metric.source, set()).update(item.source_ids)
    fetched = {key: source_rows(key, sorted(ids), user) for key, ids in wanted.items()}
    explained = []
    for item in items:
        indicator = item.indicator
        metric = METRICS.get(indicator.metric) if not indicator.is_entered else None
        entry = ExplainedItem(item, indicator, metric, rule_text(indicator))
        if metric is not None:
            by_id = fetched.get(metric.source, {})
            entry.rows = sorted((by_id[i] for i in item.source_ids if i in by_id), key=_sort_key)
            entry.missing = sum(1 for i in item.source_ids if i not in by_id)
        explained.append(entry)
    return explained


def what_counts(indicators) -> list[dict]:
    """The scoring table as a person reads it: each indicator, its basis and its rule."""
    rows = []
    for indicator in indicators:
        metric = METRICS.get(indicator.metric) if not indicator.is_entered else None
        rows.append({
            "indicator": indicator,
            "basis": metric.basis if metric else indicator.description,
            "unit": metric.unit if metric else "",
            "rule": rule_text(indicator),
        })
    return rows
