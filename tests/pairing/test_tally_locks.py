"""PostgreSQL: the need tally's claim triggers lock the needs FOR NO KEY UPDATE (rows referring to
a need are not blocked while a claim on it is saved), and the tallies' check() reads the recount
and the table in one snapshot (a write committed in between reports no false difference).
Transactional: a second connection writes or locks while the test's transaction is open."""

import datetime
import threading

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from pairing import need_tally, village_tally
from pairing.models import Claim, Need, Pairing, VillagePairingTally
from tests.factories import UserFactory, add_org

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = timezone.localdate() + datetime.timedelta(days=30)
INSERT_PAIRING = ("INSERT INTO pairing_pairing (city_org_id, village_org_id, since, status, "
                  "principles, plan_goals, plan_tasks, plan_measures, plan_status, "
                  "plan_return_reason, created_at) VALUES "
                  "(%s, %s, now(), 'active', '[]', '', '', '', 'draft', '', now())")


def _other_connection():
    settings = connection.settings_dict
    return psycopg.connect(dbname=settings["NAME"], user=settings["USER"],
                           password=settings["PASSWORD"] or None,
                           host=settings["HOST"] or None, port=settings["PORT"] or None,
                           autocommit=True)


def test_a_claim_saved_does_not_block_key_share_locks(postgresql_only, tree):
    need = Need.objects.create(village_org=tree.village_a1, title="修路", description="说明",
                               deadline=DEADLINE, places=2)
    with _other_connection() as other, transaction.atomic():
        Claim.objects.create(need=need, claimant=UserFactory(), status="claimed")
        # What a foreign key check of a row referring to the need takes: FOR KEY SHARE. It
        # waited for the claim's transaction while the trigger locked the need FOR UPDATE.
        other.execute("SET lock_timeout = '2s'")
        row = other.execute("SELECT id FROM pairing_need WHERE id = %s FOR KEY SHARE",
                            [need.pk]).fetchone()
        assert row == (need.pk,)


def _commit_after_the_recount(marker, write):
    """An execute wrapper running `write` (on another connection) right after the first query
    containing `marker` (the check's recount)."""
    done = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and marker in sql:
            done.append(True)
            write()
        return result

    return wrapper, done


def test_need_check_reads_one_snapshot(postgresql_only, tree):
    Need.objects.create(village_org=tree.village_a1, title="修路", description="说明",
                        deadline=DEADLINE, places=2)

    def publish():
        with _other_connection() as other:
            other.execute("INSERT INTO pairing_need (village_org_id, kind, title, description, "
                          "deadline, places, taken_places, status, created_at) SELECT "
                          "village_org_id, kind, '又一个', description, deadline, places, 0, "
                          "status, now() FROM pairing_need LIMIT 1")

    wrapper, done = _commit_after_the_recount("FROM pairing_need n", publish)
    with connection.execute_wrapper(wrapper):
        assert need_tally.check() == {}
    assert done and Need.objects.count() == 2
    assert need_tally.check() == {}


def test_village_check_reads_one_snapshot(postgresql_only, tree):
    def pair():
        with _other_connection() as other:
            other.execute(INSERT_PAIRING, [tree.unit.pk, tree.village_a1.pk])

    wrapper, done = _commit_after_the_recount("UNION SELECT village_org_id FROM", pair)
    with connection.execute_wrapper(wrapper):
        assert village_tally.check() == {}
    assert done
    assert village_tally.check() == {}


def test_two_pairings_of_one_village_saved_at_once_both_count(postgresql_only, tree):
    """The second writer waits for the first one's lock on the village's row, then recounts in
    a new statement that sees the first one's committed pairing."""
    second_unit = add_org(tree.county, "县教育局", "unit", code="U0002")
    started = threading.Event()
    errors = []

    def pair_from_another_connection():
        try:
            with _other_connection() as other:
                started.set()
                other.execute(INSERT_PAIRING, [second_unit.pk, tree.village_a1.pk])
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)

    with transaction.atomic():
        Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                               since=timezone.localdate())
        writer = threading.Thread(target=pair_from_another_connection)
        writer.start()
        started.wait(5)
        writer.join(1)
        assert writer.is_alive()  # waiting for this transaction's lock
    writer.join(10)
    assert not errors
    assert VillagePairingTally.objects.get(village_org=tree.village_a1).active_pairings == 2
    assert village_tally.check() == {}
