"""A people-tally rebuild while a person moves (PostgreSQL): the rebuild share-locks the people
first, so the move waits for it and is counted on top of the recount; without the lock the
move's decrement found the row the rebuild had deleted and was lost.

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import threading

import pytest
from django.db import connections, transaction

from portal import people_tally
from portal.models import Person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_move_during_a_rebuild_is_not_lost(tree):
    person = Person.objects.create(name="甲", home_org=tree.village_a1)
    rebuilt, failures = threading.Event(), []

    def rebuild_and_linger():
        try:
            with transaction.atomic():
                people_tally.rebuild()
                rebuilt.set()
                threading.Event().wait(1.0)  # the move starts while this is uncommitted
        except Exception as exc:  # reported below
            failures.append(exc)
            rebuilt.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=rebuild_and_linger)
    thread.start()
    assert rebuilt.wait(timeout=20)
    Person.objects.filter(pk=person.pk).update(home_org=tree.village_b1)
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures
    assert people_tally.check() == {}
