"""PostgreSQL: two transactions writing claims of needs in the same village and deadline month
at once leave the deadline-month tally (pairing.need_deadline_tally) equal to a recount: the
second waits on the cell the first locked, and recounts after the first commits, also when
the first recounted the cell to zeros and deleted it. Transactional (threads, own
connections), so in a module of its own."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from pairing import need_deadline_tally
from pairing.models import Claim, Need, NeedDeadlineTally
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEADLINE = datetime.date(2026, 3, 20)


def _need(village, status="published"):
    return Need.objects.create(village_org=village, title="修路", description="说明",
                               deadline=DEADLINE, places=1, status=status)


def _blocked_on_a_lock():
    """Whether another backend of this database waits for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def _second_while_the_first_is_open(first, second):
    """Run `first` in a transaction in one thread; while it is still open, `second` in another;
    once the second waits for a lock (or, without one, is done), commit the first."""
    written, release, errors = threading.Event(), threading.Event(), []

    def run_first():
        try:
            with transaction.atomic():
                first()
                written.set()
                release.wait(60)
        except Exception as exc:  # reported by the test's assertion
            errors.append(exc)
            written.set()
        finally:
            connections.close_all()

    def run_second():
        try:
            with transaction.atomic():
                second()
        except Exception as exc:  # reported by the test's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    one = threading.Thread(target=run_first)
    one.start()
    written.wait(60)
    two = threading.Thread(target=run_second)
    two.start()
    for _ in range(600):  # until the second waits or is done; bounded, not timed
        if not two.is_alive() or _blocked_on_a_lock():
            break
        time.sleep(0.05)
    release.set()
    one.join(60)
    two.join(60)
    assert not one.is_alive() and not two.is_alive()
    assert errors == []


def _cells():
    return {(row.village_org_id, row.deadline_month): (row.open, row.unfilled, row.waiting)
            for row in NeedDeadlineTally.objects.all()}


def test_two_confirmations_in_one_cell_both_count(postgresql_only, tree):
    village = tree.village_a1
    claims = [Claim.objects.create(need=_need(village), claimant=UserFactory(), status="done")
              for _ in range(2)]
    assert _cells() == {(village.pk, DEADLINE.replace(day=1)): (2, 2, 2)}

    def confirm(claim):
        return lambda: Claim.objects.filter(pk=claim.pk).update(status="confirmed")

    _second_while_the_first_is_open(confirm(claims[0]), confirm(claims[1]))
    assert need_deadline_tally.check() == {}
    assert _cells() == {(village.pk, DEADLINE.replace(day=1)): (2, 0, 0)}


def test_a_cell_deleted_by_the_first_is_counted_again_by_the_second(postgresql_only, tree):
    village = tree.village_a1
    closed = [_need(village, status="closed") for _ in range(2)]
    waiting = Claim.objects.create(need=closed[0], claimant=UserFactory(), status="done")
    assert _cells() == {(village.pk, DEADLINE.replace(day=1)): (0, 0, 1)}
    talent = UserFactory()

    _second_while_the_first_is_open(
        # The cell's last figure goes: the first deletes the cell.
        lambda: Claim.objects.filter(pk=waiting.pk).update(status="confirmed"),
        lambda: Claim.objects.create(need=closed[1], claimant=talent, status="done"))
    assert need_deadline_tally.check() == {}
    assert _cells() == {(village.pk, DEADLINE.replace(day=1)): (0, 0, 1)}
