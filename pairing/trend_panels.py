"""需求认领趋势 on the county admin's and the leader's home (issue 11 item 13): the needs
published each month of this year, and how many of them are claimed and confirmed. Imported
from PairingConfig.ready.

The definitions are 结对共建统计's (pairing.statistics), so the twelve months add up to its
year's 发布需求 / 已认领需求 / 已确认需求: a need belongs to the month it was published in; it is
claimed when a claim holds a place on it (PLACE_HOLDING), confirmed when a claim is confirmed.
One grouped query over the village-month tallies (pairing.need_tally), whatever the number of
needs or claims.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from pairing.models import NeedMonthTally
from pairing.statistics import STATISTICS_CAPABILITY
from portal.charts import MONTH_COLUMN, MONTH_LABELS, ChartTable, month_label
from portal.dashboard import Panel, register_panel
from portal.scope import (
    COUNTY_ADMIN,
    LEADER,
    has_capability,
    scope_holds_every_org,
    scope_q,
)
from portal.spreadsheets import Column

NEEDS_NOTE = ("按发布月份统计：当月发布的需求中，有人认领（含待确认、已确认）的和认领已确认完成的"
              "项数，与结对共建统计一致。")
FIGURES = ("published", "claimed", "confirmed")


@dataclass
class NeedTrend:
    year: int
    started: int
    published: list = field(default_factory=lambda: [0] * 12)
    claimed: list = field(default_factory=lambda: [0] * 12)
    confirmed: list = field(default_factory=lambda: [0] * 12)

    def figure(self, name, month):
        return getattr(self, name)[month - 1] if month <= self.started else None


def need_trend(user, today=None):
    """This year's needs per publish month in the user's statistics scope, or None without
    the capability."""
    if not has_capability(user, STATISTICS_CAPABILITY):
        return None
    today = today or timezone.localdate()
    trend = NeedTrend(year=today.year, started=today.month)
    tallies = NeedMonthTally.objects.filter(month__gte=datetime.date(today.year, 1, 1),
                                            month__lt=datetime.date(today.year + 1, 1, 1))
    if not scope_holds_every_org(user, STATISTICS_CAPABILITY):  # else no join to the tree
        tallies = tallies.filter(scope_q(user, STATISTICS_CAPABILITY, "village_org__path"))
    rows = (tallies.values("month")
            .annotate(**{name: Sum(name) for name in FIGURES}).order_by())
    for row in rows:
        for name in FIGURES:
            getattr(trend, name)[row["month"].month - 1] += row[name]
    return trend


def needs_table(trend):
    months = range(1, 13)

    def series(name, label, kind="bar"):
        return {"name": label, "type": kind, "data": [trend.figure(name, m) for m in months]}

    return ChartTable(
        "needs", f"{trend.year}年各月需求认领情况",
        (MONTH_COLUMN, Column("发布需求", 10), Column("已认领", 10), Column("已确认", 10)),
        [[month_label(trend.year, m), *(trend.figure(name, m) for name in FIGURES)]
         for m in months],
        chart={"kind": "months", "labels": MONTH_LABELS, "unit": "项",
               "series": [series("published", "发布需求", "line"),
                          series("claimed", "已认领"), series("confirmed", "已确认")]},
        note=NEEDS_NOTE, excel_url=reverse("pairing:needs_trend_excel"))


def _needs_trend_panel(request):
    trend = need_trend(request.user)
    if trend is None:
        return None
    return {"year": trend.year, "chart": needs_table(trend)}


register_panel(Panel("trends_needs", "需求认领趋势", "pairing/panels/needs_trend.html",
                     frozenset({COUNTY_ADMIN, LEADER}), _needs_trend_panel, order=18,
                     charts=True))
