"""Trend charts on the county admin's and the leader's home (issue 11 item 13): counted
activities per month of this year, the share of villages active per month, and the townships
ranked by this year's share of active village-months. Imported from LedgerConfig.ready.

Definitions are the compliance pages' (ledger.compliance): an activity counts when submitted or
confirmed (COUNTED_STATUSES, what the monthly tallies count); a village is active in a month
when it logged a counted activity then (a non-red cell of the org × month matrix); the villages
are the active ones in the user's `ledger.compliance` scope. Three grouped queries, whatever the
number of activities: townships, villages per township, and the township roll-up of the
monthly org tallies (ledger/township_tally.py, which the compliance matrices read too).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from ledger.compliance import CAPABILITY, TOWNSHIP_PREFIX, period_for
from ledger.models import OrgMonthTally, TownshipMonthTally
from ledger.periods import date_from_cursor
from portal import org_tally
from portal.charts import (
    MONTH_COLUMN,
    MONTH_LABELS,
    PERCENT_FORMAT,
    ChartTable,
    month_label,
    percent,
)
from portal.dashboard import Panel, register_panel
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import (
    COUNTY_ADMIN,
    LEADER,
    has_capability,
    scope_paths,
    scope_q,
    under_any_path,
)
from portal.spreadsheets import Column

CHARTS = ("activities", "villages", "townships")
# Townships the home's ranking shows at most (the first and the last half of it).
RANKING_ON_HOME = 20
VILLAGE_Q = Q(org__kind=OrgKind.VILLAGE, org__is_active=True)
ACTIVITIES_NOTE = "已提交和已确认的活动（草稿和已退回的不计），含村、社区和单位登记的活动。"
VILLAGES_NOTE = "当月至少开展1次活动（已提交或已确认）的村占全部村的比例，与履职情况一致。"
TOWNSHIPS_NOTE = ("活跃率 = 本年已开始的各月中开展了活动的村次 ÷（村数 × 已开始月数）；"
                  "空白村月数即履职情况中标红的格数。")


@dataclass
class TownshipFigures:
    """One township's year: its villages, their counted activities and active village-months."""

    name: str
    path: str
    villages: int = 0
    activities: int = 0
    active_months: int = 0  # (village, month) pairs with a counted activity
    rank: int = 0

    def silent(self, started):
        return self.villages * started - self.active_months

    def rate(self, started):
        return percent(self.active_months, self.villages * started)


@dataclass
class LedgerTrends:
    year: int
    started: int  # months of the year begun so far
    villages: int = 0
    activities: list = field(default_factory=lambda: [0] * 12)
    active: list = field(default_factory=lambda: [0] * 12)
    townships: list = field(default_factory=list)

    def figure(self, values, month):
        """A month's figure, or None for a month that has not begun."""
        return values[month - 1] if month <= self.started else None


def ledger_trends(user, today=None):
    """This year's figures in the user's compliance scope, or None without the capability."""
    if not has_capability(user, CAPABILITY):
        return None
    today = today or timezone.localdate()
    period = period_for(today.year, today)
    trends = LedgerTrends(year=today.year, started=today.month)
    townships = {path: TownshipFigures(name, path) for path, name in
                 Organization.objects.filter(scope_q(user, CAPABILITY, "path"),
                                             kind=OrgKind.TOWNSHIP, is_active=True)
                 .order_by("path").values_list("path", "name")}
    for path, n in _villages_per_township(user).items():
        trends.villages += n
        if path in townships:
            townships[path].villages = n
    months = [datetime.date(year, month, 1) for year, month in period.months]
    per_month, per_township = _trend_sums(months, scope_paths(user, CAPABILITY))
    for month, (activities, active) in per_month.items():
        trends.activities[month.month - 1] += activities
        trends.active[month.month - 1] += active
    for path, (village_activities, active) in per_township.items():
        figures = townships.get(path)
        if figures is not None:
            figures.activities += village_activities
            figures.active_months += active
    trends.townships = _ranked(list(townships.values()), trends.started)
    return trends


def _villages_per_township(user):
    """{township path prefix: active villages} in the user's compliance scope: from the
    organizations per township (portal.org_tally), a few hundred rows where grouping the
    villages by their paths' prefix read a city's 4,000 (6 ms); counted from the villages for
    a scope root below a township."""
    counts = org_tally.orgs_per_township(OrgKind.VILLAGE, scope_paths(user, CAPABILITY))
    if counts is not None:
        return counts
    villages = (Organization.objects.filter(scope_q(user, CAPABILITY, "path"),
                                            kind=OrgKind.VILLAGE, is_active=True)
                .annotate(_township=Substr("path", 1, TOWNSHIP_PREFIX))
                .values_list("_township").annotate(n=Count("id")).order_by())
    return dict(villages)


def _trend_sums(months, paths=None):
    """({month: [activities, active villages]}, {township path: [village activities, active
    village-months]}) over `months` (first days) of the organizations under `paths` (the
    scope's roots; None for all), from the township roll-up (ledger/township_tally.py),
    summed by the database per month and per township: a city's year is ~3,800 roll-up rows,
    which fetched and summed here took 13 ms of the county home (3 ms at small scale).

    A scope root below a township (never a county admin's or leader's in practice) holds only
    part of its township's roll-up: its organizations are summed from their org tallies."""
    per_month, per_township = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    shallow = None if paths is None else [p for p in paths if len(p) <= TOWNSHIP_PREFIX]
    if months and shallow != []:  # else no roll-up row: no month, or no township in the roots
        village = Q(kind=OrgKind.VILLAGE, org_active=True)
        rollup = TownshipMonthTally.objects.filter(month__in=months)
        if shallow is not None:
            rollup = rollup.filter(under_any_path("township", shallow))
        for month, activities, active in (
                rollup.values("month").order_by()
                .annotate(_n=Sum("activities"), _active=Sum("active_orgs", filter=village))
                .values_list("month", "_n", "_active")):
            per_month[month] = [activities or 0, active or 0]
        for path, activities, active in (
                rollup.filter(village).values("township").order_by()
                .annotate(_n=Sum("activities"), _active=Sum("active_orgs"))
                .values_list("township", "_n", "_active")):
            per_township[path] = [activities or 0, active or 0]
    deep = [p for p in paths or () if len(p) > TOWNSHIP_PREFIX]
    if deep:
        for path, month, activities, village_activities, active in _org_tally_months(
                months, Organization.objects.filter(under_any_path("path", deep))):
            per_month[month][0] += activities
            per_month[month][1] += active
            per_township[path][0] += village_activities
            per_township[path][1] += active
    return dict(per_month), dict(per_township)


def _org_tally_months(months, orgs):
    """[(township path, month, activities, village activities, active villages)] per township
    and month of the organizations `orgs` (a queryset) from their org tallies: one
    branch per month (UNION ALL) summing each org's rows on the covering index (month, org,
    activities); only org-months with activities are kept, so a village counts once as
    active without COUNT(DISTINCT)."""
    subquery, scope_params = orgs.values("id").query.sql_with_params()
    branch = (f"SELECT month, org_id, SUM(activities) AS _n FROM {OrgMonthTally._meta.db_table} "
              f"WHERE month = %s AND org_id IN ({subquery}) GROUP BY month, org_id "
              f"HAVING SUM(activities) > 0")
    inner = " UNION ALL ".join([branch] * len(months))
    params = [param for month in months
              for param in (connection.ops.adapt_datefield_value(month), *scope_params)]
    village = "o.kind = %s AND o.is_active"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUBSTR(o.path, 1, %s), t.month, SUM(t._n), "
            f"SUM(CASE WHEN {village} THEN t._n ELSE 0 END), "
            f"SUM(CASE WHEN {village} AND t._n > 0 THEN 1 ELSE 0 END) "
            f"FROM ({inner}) t JOIN {Organization._meta.db_table} o ON o.id = t.org_id "
            "GROUP BY 1, 2",
            [TOWNSHIP_PREFIX, OrgKind.VILLAGE.value, OrgKind.VILLAGE.value, *params])
        return [(path, date_from_cursor(month), int(n or 0), int(in_villages or 0),
                 int(active or 0)) for path, month, n, in_villages, active in cursor.fetchall()]


def _ranked(townships, started):
    """Townships by active share (highest first; without villages last), then activities;
    equal figures share a rank."""
    def key(t):
        rate = t.rate(started)
        return (rate is None, -(rate or 0), -t.activities, t.path)

    townships.sort(key=key)
    rank, last = 0, None
    for position, figures in enumerate(townships, start=1):
        current = (figures.rate(started), figures.activities)
        if current != last:
            rank, last = position, current
        figures.rank = rank
    return townships


# --- Tables (page, chart and Excel alike) ----------------------------------------------------

def activities_table(trends):
    months = range(1, 13)
    return ChartTable(
        "activities", f"{trends.year}年各月活动数",
        (MONTH_COLUMN, Column("活动数", 10)),
        [[month_label(trends.year, m), trends.figure(trends.activities, m)] for m in months],
        chart={"kind": "months", "labels": MONTH_LABELS, "unit": "次",
               "series": [{"name": "活动数", "type": "bar",
                           "data": [trends.figure(trends.activities, m) for m in months]}]},
        note=ACTIVITIES_NOTE, excel_url=reverse("ledger:trend_excel", args=["activities"]))


def villages_table(trends):
    months = range(1, 13)
    shares = [None if m > trends.started else percent(trends.active[m - 1], trends.villages)
              for m in months]
    return ChartTable(
        "villages", f"{trends.year}年各月开展活动的村占比",
        (MONTH_COLUMN, Column("开展活动的村", 12), Column("村总数", 10),
         Column("占比（%）", 10, number_format=PERCENT_FORMAT)),
        [[month_label(trends.year, m), trends.figure(trends.active, m),
          trends.villages if m <= trends.started else None, shares[m - 1]] for m in months],
        chart={"kind": "months", "labels": MONTH_LABELS, "percent": True,
               "series": [{"name": "开展活动的村占比", "type": "line", "data": shares}]},
        note=VILLAGES_NOTE, excel_url=reverse("ledger:trend_excel", args=["villages"]))


def townships_table(trends, shown=None):
    """The townships' ranking; with `shown` (the home panel), at most that many townships:
    the first and the last half of it, when there are more (a city's 250 bars are no chart
    to read, and their table was 60 KB of the home page). The Excel holds every township."""
    started = trends.started
    townships = trends.townships
    title, note = f"{trends.year}年乡镇活跃率排名", TOWNSHIPS_NOTE
    if shown is not None and len(townships) > shown:
        half = shown // 2
        townships = townships[:half] + townships[-half:]
        title += f"（前{half}名和后{half}名）"
        note = (f"共{len(trends.townships)}个乡镇，此处列出前{half}名和后{half}名，"
                f"完整排名见导出Excel。{note}")
    rows = [[t.rank, t.name, t.villages, t.activities, t.silent(started), t.rate(started)]
            for t in townships]
    return ChartTable(
        "townships", title,
        (Column("排名", 8), Column("乡镇", 18), Column("村数", 8), Column("本年活动数", 12),
         Column("空白村月数", 12), Column("活跃率（%）", 12, number_format=PERCENT_FORMAT)),
        rows, row_header=1,
        chart={"kind": "ranking", "labels": [t.name for t in townships],
               "percent": True,
               "series": [{"name": "活跃率", "type": "bar",
                           "data": [t.rate(started) for t in townships]}]},
        note=note, excel_url=reverse("ledger:trend_excel", args=["townships"]))


TABLES = {"activities": activities_table, "villages": villages_table,
          "townships": townships_table}


# --- Panels ----------------------------------------------------------------------------------

def _trends_of(request):
    """The figures both panels show, computed once per request."""
    if not hasattr(request, "_ledger_trends"):
        request._ledger_trends = ledger_trends(request.user)
    return request._ledger_trends


def _trends_panel(request):
    trends = _trends_of(request)
    if trends is None:
        return None
    return {"year": trends.year, "charts": [activities_table(trends), villages_table(trends)]}


def _ranking_panel(request):
    trends = _trends_of(request)
    if trends is None or not trends.townships:
        return None
    return {"year": trends.year, "chart": townships_table(trends, shown=RANKING_ON_HOME)}


register_panel(Panel("trends_activities", "活动趋势", "ledger/panels/trends.html",
                     frozenset({COUNTY_ADMIN, LEADER}), _trends_panel, order=16,
                     width="col-12", charts=True))
register_panel(Panel("trends_townships", "乡镇排名", "ledger/panels/trends_ranking.html",
                     frozenset({COUNTY_ADMIN, LEADER}), _ranking_panel, order=17,
                     charts=True))
