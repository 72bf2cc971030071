"""The demo county seeded once for a test module, rolled back when the module ends.

Tests of the module run in savepoints inside the seeding transaction. On PostgreSQL the
rolled-back rows stay behind as dead tuples, and the planner statistics that the seed's ANALYZE
wrote are half undone (pg_class row counts are updated in place, pg_statistic rolls back): the
next module's queries then get plans that ran for minutes. VACUUM ANALYZE after the rollback
leaves the next module a clean database.

Inside the module the seed's rows are counted by an ANALYZE in the seeding transaction (it
sees its own uncommitted rows): without it the planner read the statistics of the clean,
nearly empty database while the tables held the demo, and any statement could get a plan of
nested loops over "empty" tables (a trigger's recount of one returned activity ran for more
than 16 minutes). The VACUUM ANALYZE after the rollback undoes those statistics.
"""

import datetime
from contextlib import contextmanager

from django.db import connection, transaction
from django.test import override_settings

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def end_of_reference_day():
    """The first instant after the demo's reference day, in the county's time zone: nothing
    the seed says has happened may be dated at or after it."""
    from pairing.demo import REFERENCE_DATE

    return datetime.datetime.combine(REFERENCE_DATE + datetime.timedelta(days=1),
                                     datetime.time(),
                                     tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def analyze_own_rows():
    """PostgreSQL: planner statistics of the rows written so far in this transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def demo_seeded_for_module(django_db_blocker, media_root, seeding=None):
    """Yield what `seeding()` returns (default: `demo.seed("small", 1)`)."""
    from portal import demo

    seeding = seeding or (lambda: demo.seed("small", 1))
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media_root),
                                                        PASSWORD_HASHERS=FAST_HASHERS):
        try:
            with transaction.atomic():
                result = seeding()
                # Fire the seed's deferred foreign-key checks once, here: left pending, every
                # test's teardown (Django checks constraints there, inside a savepoint that is
                # then rolled back) re-ran all of them — 7 to 30 s per test on PostgreSQL.
                connection.check_constraints()
                analyze_own_rows()
                yield result
                transaction.set_rollback(True)
        finally:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
