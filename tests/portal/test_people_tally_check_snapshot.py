"""The people tally's check (PostgreSQL) reads the recount and the table from one snapshot: a
move committed between its two reads is in neither, instead of in the table only, which under
READ COMMITTED showed two organizations differing that agreed (`manage.py people_tally
--check` then failed on a busy database that was right).

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips.
"""

import threading

import pytest
from django.db import connection, connections

from portal import people_tally
from portal.models import Person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_move_committed_between_the_two_reads_is_no_difference(tree):
    person = Person.objects.create(name="甲", home_org=tree.village_a1)
    moved = []

    def move():
        try:
            Person.objects.filter(pk=person.pk).update(home_org=tree.village_b1)
            moved.append(True)
        finally:
            connections.close_all()

    def move_after_the_recount(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if f"FROM {people_tally.PERSON} p GROUP BY" in sql and not moved:
            thread = threading.Thread(target=move)  # its own connection, committed at once
            thread.start()
            thread.join(timeout=20)
        return result

    with connection.execute_wrapper(move_after_the_recount):
        assert people_tally.check() == {}
    assert moved
    assert people_tally.check() == {}  # and the move is counted
