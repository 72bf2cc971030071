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
    return captured(lambda: dispatch_summary(townships, 2026, 11, shown=[], overdue=False,
                                             today=datetime.date(2026, 11, 15)), "UNION ALL")


def captured(run, marker):
    """The one SQL statement containing `marker` that `run()` executes."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    [sql] = [q["sql"] for q in ctx.captured_queries if marker in q["sql"]]
    return sql


def talents_by_township():
    """每月调度's distinct talents per township of a page (ledger.summaries.
    _talents_by_township: the talents' person tallies by their flag, ledger/talent_flag.py),
    captured from a real dispatch."""
    townships = list(Organization.objects.filter(kind=OrgKind.TOWNSHIP))
    return captured(lambda: dispatch_summary(townships, 2026, 11, shown=townships[:1],
                                             today=datetime.date(2026, 11, 15)),
                    'COUNT(DISTINCT "ledger_personmonthtally"."person_id")')


def _forget_statistics(cursor):
    """Plan as on a database never analyzed, whatever ran before: autovacuum may analyze a
    table of the shared test database while another test's rows are committed, and a tiny
    table's statistics then tip the choice between two indexes. The catalogue rows are
    changed inside the test's transaction, which rolls them back (a superuser's, as CI's)."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    if not cursor.fetchone()[0]:
        return
    tables = "SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    cursor.execute(f"DELETE FROM pg_statistic WHERE starelid IN ({tables})")
    cursor.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 "
                   "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'")


def plan(query, *, sort=True):
    """EXPLAIN of `query`: a queryset, or SQL with its parameters in it. `sort`: whether sorts
    are allowed (discouraged otherwise, as for an index that gives the rows in order)."""
    sql, params = (query.query.sql_with_params() if hasattr(query, "query") else (query, None))
    with connection.cursor() as cursor:
        _forget_statistics(cursor)
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sort:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("queryset, index", [
    (lambda: Organization.objects.filter(depth=1).order_by("path")[:1], "org_roots"),
    (lambda: ReopenRequest.objects.order_by("-requested_at", "-id")[:20],
     "reopen_request_newest_first"),
    (talents_gone_count, "person_talents_gone"),
    (talents_by_township, "person_tally_talents"),
    (lambda: Activity.objects.filter(date__gte=datetime.date(2026, 11, 1),
                                     date__lt=datetime.date(2026, 12, 1),
                                     status=ActivityStatus.SUBMITTED).order_by().values("pk"),
     "activity_waiting_by_date"),
])
def test_the_index_serves_its_query(tree, postgresql_only, queryset, index):
    assert index in plan(queryset())



def test_one_kind_in_tree_order_is_read_from_the_kind_path_index(tree, postgresql_only):
    """A township picker's first page (active townships in tree order): the rows of that kind,
    already in path order, from org_kind_in_tree_order — the kind's index alone needs a sort,
    the path index alone reads every organization (a city's 5,811 for its 250 townships)."""
    townships = Organization.objects.filter(kind=OrgKind.TOWNSHIP, is_active=True,
                                            path__startswith="0001").order_by("path")[:31]
    explained = plan(townships, sort=False)
    assert "org_kind_in_tree_order" in explained and "Sort" not in explained, explained


def test_a_townships_talents_are_read_by_home_organization(tree):
    """The talent matrix of a township: its talents found by their home organizations' ids
    (an OR of path prefix and paired unit made PostgreSQL test every talent of a city), through
    person_active_talents, not a plain index of the is_city_talent flag (which drew PostgreSQL
    into reading every talent); its villages' year of person tallies from the org-first
    covering index. (The plans themselves depend on statistics a tiny test database does not
    have: benchmarks/page_scale.py measures them at city scale.)"""
    from ledger import compliance

    sql = str(compliance.talents_in(tree.town_a).query)
    assert '"home_org_id" IN (' in sql and "LIKE" not in sql
    with connection.cursor() as cursor:
        people = connection.introspection.get_constraints(cursor, "portal_person")
        tallies = connection.introspection.get_constraints(cursor, "ledger_personmonthtally")
    assert people["person_active_talents"]["columns"] == ["home_org_id", "name", "id"]
    assert not [name for name, index in people.items()
                if index["index"] and index["columns"] == ["is_city_talent"]]
    assert tallies["person_tally_org_month_all"]["columns"] == [
        "org_id", "month", "person_id", "participations"]
