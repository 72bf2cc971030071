"""每月调度's participations (参加人次) come from the month's org tallies (their participations
column, migration 0014; per township from their roll-up, migration 0017), not from summing the
month's person tallies (~130,000 rows at city scale): the same figures as counting the raw
participations, per township and per village."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import ActivityStatus, Participation
from ledger.summaries import dispatch_summary
from portal.models.orgs import OrgKind
from tests.ledger.test_dispatch_by_township import county, month_today  # noqa: F401


def raw_participations(path, year, month, *, active_only=True):
    first = datetime.date(year, month, 1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    rows = Participation.objects.filter(
        activity__org__path__startswith=path, activity__org__kind=OrgKind.VILLAGE,
        activity__status__in=(ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED),
        activity__date__gte=first, activity__date__lt=following)
    return rows.filter(activity__org__is_active=True).count() if active_only else rows.count()


def test_township_participations_equal_the_raw_rows(county, month_today):  # noqa: F811
    year, month, today = month_today
    with CaptureQueriesContext(connection) as ctx:
        summary = dispatch_summary(county, year, month, today=today)
    for row, township in zip(summary.rows, county, strict=True):
        assert row.participations == raw_participations(township.path, year, month)
    assert summary.total.participations == sum(
        raw_participations(t.path, year, month) for t in county) == 9
    summed = [q["sql"] for q in ctx.captured_queries if '"participations")' in q["sql"]]
    assert len(summed) == 1 and "ledger_personmonthtally" not in summed[0]
    assert "ledger_townshipmonthtally" in summed[0]  # the township roll-up of the org tallies


def test_village_participations_equal_the_raw_rows(county, month_today):  # noqa: F811
    year, month, today = month_today
    summed = []
    for township in county:
        with CaptureQueriesContext(connection) as ctx:
            summary = dispatch_summary([township], year, month, single=township, today=today)
        for row in summary.rows:
            assert row.participations == raw_participations(
                row_path(row), year, month), row.label
        summed += [q["sql"] for q in ctx.captured_queries if '"participations")' in q["sql"]]
    # One sum per township with villages (空白乡 has none, so no query).
    assert len(summed) == 3
    assert all("ledger_personmonthtally" not in sql for sql in summed)


def row_path(row):
    from portal.models import Organization

    return Organization.objects.get(pk=row.org_id).path
