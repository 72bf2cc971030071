"""A real deadlock (PostgreSQL): two writers lock the same two rows in opposite order, PostgreSQL
cancels one of them, and portal.transient.retrying runs that one again, so both succeed and each
writes its audit row once.

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import logging
import threading

import pytest
from django.db import connections, transaction

from portal import audit
from portal.models import AuditEvent, Organization
from portal.transient import retrying

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_both_sides_of_a_deadlock_succeed(tree, caplog):
    first, second = tree.village_a1.pk, tree.village_b1.pk
    both_hold_one = threading.Barrier(2, timeout=20)
    tries = {"forward": 0, "backward": 0}
    results, failures = {}, []

    @transaction.atomic
    def lock_both(name, order):
        tries[name] += 1
        Organization.objects.select_for_update().get(pk=order[0])
        if tries[name] == 1:  # the second try finds the other side committed, or waits for it
            both_hold_one.wait()
        Organization.objects.select_for_update().get(pk=order[1])
        audit.record(audit.AuditAction.UPDATE, f"{name} 锁定两个组织", username=name)
        return name

    def run(name, order):
        try:
            results[name] = retrying(lock_both, name, order)
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=("forward", (first, second))),
               threading.Thread(target=run, args=("backward", (second, first)))]
    with caplog.at_level(logging.WARNING, logger="portal.transient"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert results == {"forward": "forward", "backward": "backward"}
    assert sorted(tries.values()) == [1, 2]  # PostgreSQL cancelled one, which ran again
    assert [r.getMessage() for r in caplog.records if "40P01" in r.getMessage()]
    assert sorted(AuditEvent.objects.values_list("actor_name", flat=True)) == [
        "backward", "forward"]
