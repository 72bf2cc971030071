"""A ledger tally rebuild while an activity is saved (PostgreSQL): the rebuild share-locks the
tallies' sources first, so the save waits for its commit and is counted on top of the recount.
Without the lock the save took the org tally row the rebuild had rewritten and waited for it,
holding its lock on the org tally table, which the roll-up's rebuild then asked to share-lock:
a deadlock, one of the two aborted.

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import datetime
import threading

import pytest
from django.db import connections, transaction

from ledger import tallies, township_tally
from ledger.models import Activity, ActivityStatus, ActivityTheme, OrgMonthTally

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_save_during_a_rebuild_waits_for_it(tree, monkeypatch):
    theme = ActivityTheme.objects.first() or ActivityTheme.objects.create(name="主题党日")
    day = datetime.date(2025, 3, 10)

    def log():
        return Activity.objects.create(org=tree.village_a1, date=day, theme=theme, title="走访",
                                       content="内容", status=ActivityStatus.SUBMITTED)

    log()
    rewritten, failures = threading.Event(), []
    rebuild_rollup = township_tally.rebuild

    def rollup_later(year=None):  # the org tallies are rewritten, the roll-up not yet
        rewritten.set()
        threading.Event().wait(1.5)  # the save starts meanwhile
        return rebuild_rollup(year)

    monkeypatch.setattr(township_tally, "rebuild", rollup_later)

    def rebuild():
        try:
            with transaction.atomic():
                tallies.rebuild_tallies()
        except Exception as exc:  # reported below
            failures.append(exc)
            rewritten.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert rewritten.wait(timeout=20)
    log()  # waits for the rebuild's commit (without the lock: deadlock, one side aborted)
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures
    assert sum(OrgMonthTally.objects.filter(org=tree.village_a1)
               .values_list("activities", flat=True)) == 2
    assert all(not rows for rows in tallies.check_tallies().values())
    assert tallies.check_township_rollup() == []
