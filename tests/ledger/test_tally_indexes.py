"""A year of org tallies — the org matrix's column figures and the home trends, 110,000 rows at
city scale — is read from the covering index org_tally_month_people (ledger 0014) alone."""

import datetime

from django.db import connection

from ledger.compliance import period_for
from ledger.models import Activity, ActivityStatus, OrgMonthTally


def test_a_year_of_org_tallies_reads_the_index_alone(postgresql_only, tree, theme):
    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 3, 1), theme=theme,
                            title="活动", content="内容", status=ActivityStatus.SUBMITTED)
    period = period_for("2025")
    year = (OrgMonthTally.objects.filter(month__gte=period.start, month__lt=period.end)
            .values_list("org_id", "month", "activities"))
    sql, params = year.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using org_tally_month_people" in plan
