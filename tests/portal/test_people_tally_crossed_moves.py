"""People moved in opposite directions at once (PostgreSQL): one person from A to B while
another goes from B to A. The tally triggers add a statement's changes in organization order,
so both statements lock A's tally row first and the second waits for the first; with a
person's two rows updated in the order old org, new org, the first held A and waited for B
while the second held B and waited for A, and PostgreSQL cancelled one as a deadlock.

A BEFORE UPDATE trigger of the test's on the tally pauses at each row it updates, holding the
row, so the two statements overlap every time. Runs when the test database is PostgreSQL;
under `make test` (SQLite: one writer at a time) it skips.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from portal import people_tally
from portal.models import OrgPeopleTally, Person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

PAUSE = "test_people_tally_pause"


@pytest.fixture
def slow_tally_rows():
    """Each tally row updated is held for 0.4 s (the test's trigger, dropped after it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE FUNCTION {PAUSE}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       "BEGIN PERFORM pg_sleep(0.4); RETURN NEW; END $$")
        cursor.execute(f"CREATE TRIGGER {PAUSE} BEFORE UPDATE ON {people_tally.TALLY} "
                       f"FOR EACH ROW EXECUTE FUNCTION {PAUSE}()")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {PAUSE} ON {people_tally.TALLY}")
        cursor.execute(f"DROP FUNCTION {PAUSE}()")


def test_crossed_moves_both_count_without_a_deadlock(tree, slow_tally_rows):
    a, b = tree.village_a1, tree.village_b1
    first = Person.objects.create(name="甲", home_org=a, id_number="110101199003070011")
    second = Person.objects.create(name="乙", home_org=b, id_number="110101199003070038")
    start, failures = threading.Barrier(2), []

    def move(person, to):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                Person.objects.filter(pk=person.pk).update(home_org=to)
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=(first, b)),
               threading.Thread(target=move, args=(second, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures
    assert set(Person.objects.values_list("pk", "home_org")) == {(first.pk, b.pk),
                                                                  (second.pk, a.pk)}
    tallies = OrgPeopleTally.objects.filter(org__in=[a, b]).values_list("people", flat=True)
    assert list(tallies) == [1, 1]
    assert people_tally.check() == {}
