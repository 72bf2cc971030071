"""portal.bulk_load.indexes_built_after: a bulk load's plain indexes dropped for the load and
built once after it, inside set_based_foreign_key_checks() on PostgreSQL; elsewhere (a plain
transaction, whose deferred foreign-key checks forbid building an index, a test's savepoint,
SQLite) nothing changes."""

import datetime

import pytest
from django.db import connection, transaction

from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation
from portal.bulk_load import (
    indexes_built_after,
    plain_indexes,
    set_based_foreign_key_checks,
)

pytestmark = pytest.mark.postgres


def _definitions(*models):
    return sorted(create for _, create in plain_indexes(*models))


def _unique_and_primary(model):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass "
                       "AND (indisunique OR indisprimary)", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_block_drops_the_plain_indexes_and_builds_the_same_ones_after(postgresql_only,
                                                                          tree, people):
    before = _definitions(Activity, Participation)
    unique = _unique_and_primary(Participation)
    assert any("activity_org_date" in d for d in before)
    assert not any("one_participation_per_person" in d for d in before)  # a constraint
    theme = ActivityTheme.objects.get(code="serve_masses")
    with (transaction.atomic(), set_based_foreign_key_checks(),
          indexes_built_after(Activity, Participation)):
        assert _definitions(Activity, Participation) == []
        assert _unique_and_primary(Participation) == unique  # uniqueness holds throughout
        activity = Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 3, 9),
                                           theme=theme, title="走访", content="-",
                                           status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=activity, person=people.a1)
    assert _definitions(Activity, Participation) == before
    assert Participation.objects.filter(activity__org=tree.village_a1).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_load_keeps_the_indexes(postgresql_only):
    before = _definitions(Activity)
    with (pytest.raises(RuntimeError), transaction.atomic(), set_based_foreign_key_checks(),
          indexes_built_after(Activity)):
        assert _definitions(Activity) == []
        raise RuntimeError("load failed")
    assert _definitions(Activity) == before


@pytest.mark.django_db(transaction=True)
def test_outside_a_set_based_load_nothing_is_dropped(postgresql_only, tree, people):
    """A plain transaction keeps the deferred foreign-key checks of its rows pending, and
    PostgreSQL refuses to build an index then: the block leaves the indexes alone."""
    before = _definitions(Activity)
    theme = ActivityTheme.objects.get(code="serve_masses")
    with transaction.atomic(), indexes_built_after(Activity):
        assert _definitions(Activity) == before
        Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 3, 9),
                                theme=theme, title="走访", content="-",
                                status=ActivityStatus.SUBMITTED)
    assert _definitions(Activity) == before


@pytest.mark.django_db
def test_inside_a_callers_transaction_nothing_is_dropped():
    """A test's transaction (the load's atomic() a savepoint, no replica role), or SQLite."""
    before = _definitions(Activity) if connection.vendor == "postgresql" else None
    with transaction.atomic(), set_based_foreign_key_checks(), indexes_built_after(Activity):
        if before is not None:
            assert _definitions(Activity) == before
        Activity.objects.count()
    if before is not None:
        assert _definitions(Activity) == before
