"""PostgreSQL: an organization's change recounting its township's roll-up waits for that
township's writers in progress, and only theirs. With the whole roll-up locked (migration
0020), a 启用/停用 toggle of one village waiting for a long writer (an import, a batch) queued
every later save of every township behind it: a save in another township took the writer's
whole hold (2.5 s of 3 s).

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from ledger import tallies
from ledger.models import Activity, ActivityStatus, ActivityTheme
from portal.models import Organization

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

HOLD = 3.0  # seconds the long writer keeps its transaction open after its save


def _wait_for_a_blocked_backend(timeout=10):
    """Whether some backend waits for a lock (the org change behind the long writer)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_locks WHERE NOT granted LIMIT 1")
            if cursor.fetchone():
                return True
            time.sleep(0.05)
    return False


def test_an_org_change_waiting_for_a_writer_holds_up_no_other_township(tree):
    theme = ActivityTheme.objects.first() or ActivityTheme.objects.create(name="主题党日")
    day = datetime.date(2025, 3, 10)

    def log(village):
        Activity.objects.create(org=village, date=day, theme=theme, title="走访",
                                content="内容", status=ActivityStatus.SUBMITTED)

    saved, times, errors = threading.Event(), {}, []

    def in_thread(name, work):
        def run():
            try:
                work()
            except Exception as exc:  # reported below
                errors.append(exc)
                saved.set()
            finally:
                times[name] = time.monotonic()
                connections.close_all()
        return threading.Thread(target=run)

    def long_writer():  # 青山镇: a save, then the transaction stays open (an import, a batch)
        with transaction.atomic():
            log(tree.village_a1)
            saved.set()
            time.sleep(HOLD)
            times["released"] = time.monotonic()

    def toggle_village():  # another village of 青山镇 停用: recounts 青山镇, waits for the writer
        with transaction.atomic():
            Organization.objects.filter(pk=tree.village_a2.pk).update(is_active=False)

    def save_elsewhere():  # 白水乡
        with transaction.atomic():
            log(tree.village_b1)

    writer = in_thread("writer", long_writer)
    writer.start()
    assert saved.wait(timeout=20)
    toggle = in_thread("toggle", toggle_village)
    toggle.start()
    assert _wait_for_a_blocked_backend()
    started = time.monotonic()
    other = in_thread("other", save_elsewhere)
    other.start()
    for thread in (writer, toggle, other):
        thread.join(timeout=30)
    assert errors == []
    waited = times["other"] - started
    assert waited < 1.0, f"the other township's save waited {waited:.1f} s for the toggle"
    assert times["toggle"] >= times["released"]  # the recount still waited for its writer
    assert not Organization.objects.get(pk=tree.village_a2.pk).is_active
    assert tallies.check_township_rollup() == []
