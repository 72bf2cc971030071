"""Indexes that keep county-wide reads off whole tables at city scale serve the queries they
were made for (PostgreSQL: the plan names them, sequential scans discouraged as they are for a
city's tables; the test database is too small for the planner to choose them unprompted)."""


import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Activity, ActivityStatus, ReopenRequest
from ledger.summaries import dispatch_summary
from portal.models import Organization
from portal.models.orgs import OrgKind


def talents_gone_count():
    """The SQL 每月调度 runs county-wide to count the month's talents (ledger.summaries.
    _talents_in: the talent tallies UNION ALL the talents who have left and served a village,
    an EXISTS over the person tallies), captured from a real dispatch."""
    townships = Organization.objects.filter(kind=OrgKind.TOWNSHIP)
    with CaptureQueriesContext(connection) as ctx:
        dispatch_summary(townships, 2026, 11, shown=[], overdue=False,
                         today=datetime.date(2026, 11, 15))
    [sql] = [q["sql"] for q in ctx.captured_queries if "UNION ALL" in q["sql"]]
    return sql


def plan(query):
    """EXPLAIN of `query`: a queryset, or SQL with its parameters in it."""
    sql, params = (query.query.sql_with_params() if hasattr(query, "query") else (query, None))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("queryset, index", [
    (lambda: Organization.objects.filter(depth=1).order_by("path")[:1], "org_roots"),
    (lambda: ReopenRequest.objects.order_by("-requested_at", "-id")[:20],
     "reopen_request_newest_first"),
    (talents_gone_count, "person_talents_gone"),
    (lambda: Activity.objects.filter(date__gte=datetime.date(2026, 11, 1),
                                     date__lt=datetime.date(2026, 12, 1),
                                     status=ActivityStatus.SUBMITTED).order_by().values("pk"),
     "activity_waiting_by_date"),
])
def test_the_index_serves_its_query(tree, postgresql_only, queryset, index):
    assert index in plan(queryset())


def test_a_townships_talents_are_read_by_home_organization(tree, postgresql_only):
    """The talent matrix of a township: its talents counted from person_active_talents (a
    plain index of the is_city_talent flag drew PostgreSQL into reading every talent of a
    city), its villages' year of person tallies from person_tally_org_month_all."""
    from ledger import compliance
    from ledger.models import PersonMonthTally

    assert "person_active_talents" in plan(compliance.talents_in(tree.town_a).values("pk"))
    assert "portal_person_is_city_talent" not in plan(compliance.talents_in(tree.town_a))
    year = PersonMonthTally.objects.filter(
        org_id=tree.village_a1.pk,
        month__gte=datetime.date(2026, 1, 1), month__lt=datetime.date(2027, 1, 1),
    ).values("person_id", "participations")
    assert "Index Only Scan using person_tally_org_month_all" in plan(year)
