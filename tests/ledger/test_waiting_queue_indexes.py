"""The 待确认 queue reads partial indexes of submitted activities (ledger 0010): a county's
queue walks them oldest first instead of joining and sorting every submitted activity (27,000
at city scale, 58 -> 15 ms of SQL), a township's reads its villages' entries only."""

import datetime

from django.db import connection

from ledger.models import Activity, ActivityStatus
from ledger.views.activities import ActivityToConfirmView


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the plan for a big table
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_queue_reads_the_waiting_indexes(postgresql_only, tree, theme):
    for org in (tree.village_a1, tree.village_b1):
        Activity.objects.create(org=org, date=datetime.date(2025, 3, 1), theme=theme,
                                title="活动", content="内容", status=ActivityStatus.SUBMITTED)
    queue = ActivityToConfirmView.queryset
    county = _plan(queue[:50])
    township = _plan(queue.filter(org__path__startswith=tree.town_a.path)[:50])
    assert "activity_waiting_queue" in county or "activity_waiting_by_org" in county
    assert "activity_waiting" in township


def test_the_list_reads_its_order_from_the_date_id_index(postgresql_only, tree, theme):
    """活动台账's order (newest date, then id) walks activity_date_id (ledger 0016) backwards to
    its page instead of sorting the latest day's rows (1,600 at city scale)."""
    from ledger.views.activities import ActivityListView

    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 3, 1), theme=theme,
                            title="活动", content="内容")
    with connection.cursor() as cursor:  # no sort at all: the order must come from an index
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    plan = _plan(ActivityListView.queryset[:50])
    assert "Index Scan Backward using activity_date_id" in plan
    assert "Sort" not in plan
