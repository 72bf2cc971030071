"""The township roll-up on the seeded demo: it agrees with the raw rows after the seed, and the
pages that read it (履职情况's county columns, the county home's trends, 每月调度's township
table) show the figures the org tallies gave before, for several scopes and months."""

import datetime

import pytest
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ledger import compliance, tallies, township_tally, trend_panels
from ledger.models import OrgMonthTally, TownshipMonthTally
from ledger.summaries import dispatch_summary
from portal.models import Organization
from portal.models.orgs import OrgKind

PREFIX = township_tally.PREFIX


@pytest.fixture
def demo(small_county, db):
    county = Organization.objects.get(kind=OrgKind.COUNTY)
    townships = list(Organization.objects.filter(kind=OrgKind.TOWNSHIP, is_active=True)
                     .order_by("path"))
    months = sorted(set(OrgMonthTally.objects.filter(activities__gt=0)
                        .values_list("month", flat=True)))
    return county, townships, months


def test_seeded_demo_rolls_up(demo):
    assert TownshipMonthTally.objects.filter(active_orgs__gt=0).exists()
    assert tallies.check_township_rollup() == []


def _old_township_months(months, orgs):
    """The trends' figures as read before the roll-up: org tallies summed per org-month."""
    per_org = (OrgMonthTally.objects.filter(month__in=months, org__in=orgs)
               .values("org_id", "month").annotate(n=Sum("activities")).order_by())
    kinds = {pk: (path[:PREFIX], kind == OrgKind.VILLAGE and active) for pk, path, kind, active
             in Organization.objects.values_list("pk", "path", "kind", "is_active")}
    rows = {}
    for row in per_org:
        township, village = kinds[row["org_id"]]
        figures = rows.setdefault((township, row["month"]), [0, 0, 0])
        figures[0] += row["n"]
        if village:
            figures[1] += row["n"]
            figures[2] += row["n"] > 0
    return {key: tuple(value) for key, value in rows.items() if any(value)}


def _old_sums(rows):
    """The trend panel's sums per month and per township of _old_township_months' rows."""
    per_month, per_township = {}, {}
    for (township, month), (activities, village_activities, active) in rows.items():
        figures = per_month.setdefault(month, [0, 0])
        figures[0] += activities
        figures[1] += active
        figures = per_township.setdefault(township, [0, 0])
        figures[0] += village_activities
        figures[1] += active
    return per_month, per_township


def _new_sums(months, paths):
    """trend_panels._trend_sums without its rows of zeros (townships with no activity)."""
    return tuple({key: figures for key, figures in sums.items() if any(figures)}
                 for sums in trend_panels._trend_sums(months, paths))


def test_trends_figures_are_unchanged(demo):
    county, townships, months = demo
    village = Organization.objects.filter(kind=OrgKind.VILLAGE).order_by("path").first()
    scopes = [None, [county.path], [townships[0].path, townships[-1].path],
              [townships[1].path, village.path], [village.path]]
    for paths in scopes:
        orgs = Organization.objects.all()
        if paths is not None:
            query = Q(pk__in=[])
            for path in paths:
                query |= Q(path__startswith=path)
            orgs = orgs.filter(query)
        old = _old_township_months(months, orgs)
        assert old, paths
        assert _new_sums(months, paths) == tuple(
            {key: figures for key, figures in sums.items() if any(figures)}
            for sums in _old_sums(old)), paths


def test_trend_panel_of_the_county_admin(demo, django_user_model):
    from tests.factories import grant

    county, _townships, _months = demo
    user = django_user_model.objects.create(username="trends_admin")
    grant(user, county, "county_admin")
    today = timezone.localdate()
    trends = trend_panels.ledger_trends(user, today=today)
    per_month = dict(OrgMonthTally.objects.filter(month__gte=datetime.date(today.year, 1, 1),
                                                  month__lte=today)
                     .values("month").annotate(n=Sum("activities")).order_by()
                     .values_list("month", "n"))
    assert trends.activities[:today.month] == [
        per_month.get(datetime.date(today.year, m, 1), 0) for m in range(1, today.month + 1)]
    assert sum(trends.activities) > 0
    assert sum(t.active_months for t in trends.townships) == sum(trends.active)


def test_org_matrix_columns_are_unchanged(demo, django_user_model):
    """The county-wide matrix's column figures from the roll-up (a page of one township) equal
    those of every row's cells (the whole matrix)."""
    from tests.factories import grant

    county, _townships, months = demo
    user = django_user_model.objects.create(username="matrix_admin")
    grant(user, county, "county_admin")
    today = timezone.localdate()
    periods = [compliance.period_for(compliance.LAST_12, today),
               compliance.period_for(str(months[0].year), today),
               compliance.period_for(str(today.year), today)]
    compared = set()
    for period in periods:
        for kind in compliance.MATRIX_KINDS:
            whole = compliance.org_matrix(user, county, period, kind, today=today)
            paged = compliance.org_matrix(
                user, county, period, kind, today=today,
                paginate=lambda groups: Paginator(groups, 1).page(1))
            if paged.page.paginator.num_pages == 1:
                continue  # one group: its columns come from its rows, not the roll-up
            compared.add(kind)
            assert paged.column_totals == whole.column_totals, (period.key, kind)
            assert paged.column_silent == whole.column_silent, (period.key, kind)
            assert paged.row_count == whole.row_count
    assert compared >= {OrgKind.VILLAGE, OrgKind.UNIT}


def test_dispatch_township_table_is_unchanged(demo):
    """Each township's row of the all-townships 每月调度 (from the roll-up) equals the total of
    its villages' table (from their org tallies), and the totals-only figures their sum."""
    _county, townships, months = demo
    today = timezone.localdate()
    for month in (months[0], months[len(months) // 2], months[-1],
                  datetime.date(months[-1].year + 1, 1, 1)):
        table = dispatch_summary(townships, month.year, month.month, today=today)
        totals = dispatch_summary(townships, month.year, month.month, today=today, shown=(),
                                  people=False)
        figures = ("villages", "activities", "participations", "silent")
        for row, township in zip(table.rows, townships, strict=True):
            single = dispatch_summary([township], month.year, month.month, single=township,
                                      today=today)
            assert ([getattr(row, f) for f in figures]
                    == [getattr(single.total, f) for f in figures]), (township.name, month)
            assert len(row.silent_names) == row.silent
        for figure in ("villages", "activities", "silent"):
            assert getattr(totals.total, figure) == getattr(table.total, figure)
        assert table.total.silent == (
            Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True).count()
            - Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True).annotate(
                n=Count("pk", filter=Q(pk__in=OrgMonthTally.objects.filter(
                    month=month, activities__gt=0).values("org_id")))).filter(n__gt=0).count())
