"""The demo seeded for a test module is known to the planner (tests/seeding.py): its rows are
ANALYZEd inside the seeding transaction, so statements in the module are planned for the
demo's thousands of rows and not for the nearly empty database the statistics last saw."""

import pytest
from django.db import connection

from ledger.models import Activity, Participation


@pytest.mark.parametrize("model", [Activity, Participation])
def test_the_planner_counts_the_seeded_rows(small_county, postgresql_only, model):
    rows = model.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                       [model._meta.db_table])
        estimated = cursor.fetchone()[0]
    assert rows > 1000
    assert rows * 0.8 <= estimated <= rows * 1.2
