"""portal.trigger_sql, the DDL the trigger-kept tallies share: a trigger created from its
statements runs them (a row trigger on either database, a statement trigger over transition
tables on PostgreSQL, ENABLE ALWAYS when asked), and is dropped with its function."""

import pytest
from django.db import connection

from portal import people_tally, trigger_sql
from portal.models import Organization, Person
from tests.factories import bulk_people

SCRATCH = "portal_test_trigger_count"
NAME = "portal_test_trigger_sql"


@pytest.fixture
def scratch(db):
    """A one-row table the test's triggers count into (gone with the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SCRATCH} (n integer NOT NULL)")
        cursor.execute(f"INSERT INTO {SCRATCH} (n) VALUES (0)")
    yield
    trigger_sql.drop_triggers(connection, {NAME: Organization._meta.db_table})


def counted():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n FROM {SCRATCH}")
        return cursor.fetchone()[0]


def test_a_row_trigger_runs_its_statements_when_its_condition_holds(scratch, tree):
    with connection.cursor() as cursor:
        trigger_sql.create_trigger(
            cursor, connection.vendor, name=NAME, table=Organization._meta.db_table,
            event="UPDATE", when="OLD.name <> NEW.name",
            statements=[f"UPDATE {SCRATCH} SET n = n + 1", f"UPDATE {SCRATCH} SET n = n * 10"])
    assert trigger_sql.triggers_present(connection, [NAME])
    Organization.objects.filter(pk=tree.village_a1.pk).update(name="新名")
    Organization.objects.filter(pk=tree.village_a1.pk).update(code="X1")  # name unchanged
    assert counted() == 10
    trigger_sql.drop_triggers(connection, {NAME: Organization._meta.db_table})
    assert not trigger_sql.triggers_present(connection, [NAME])
    Organization.objects.filter(pk=tree.village_a1.pk).update(name="又一名")
    assert counted() == 10


def test_a_statement_trigger_sees_its_rows_once(scratch, tree, postgresql_only):
    with connection.cursor() as cursor:
        # ALTER TABLE (ENABLE ALWAYS) waits for no deferred check of the tree's rows.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        trigger_sql.create_trigger(
            cursor, connection.vendor, name=NAME, table=Organization._meta.db_table,
            event="UPDATE", referencing="OLD TABLE AS old_rows NEW TABLE AS new_rows",
            statements=[f"UPDATE {SCRATCH} SET n = n * 100 + (SELECT COUNT(*) FROM new_rows)"],
            always=True)
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [NAME])
        assert cursor.fetchone()[0] == "A"  # ENABLE ALWAYS: fires under replica too
    Organization.objects.filter(pk__in=[tree.village_a1.pk, tree.village_b1.pk]).update(
        is_active=False)
    assert counted() == 2  # one run for the two rows


def test_a_statement_trigger_is_refused_on_sqlite(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's refusal")
    with connection.cursor() as cursor, pytest.raises(ValueError):
        trigger_sql.create_trigger(cursor, "sqlite", name=NAME, table="portal_person",
                                   event="INSERT", referencing="NEW TABLE AS new_rows",
                                   statements=["SELECT 1"])


def test_the_people_tally_triggers_come_and_go(tree):
    assert trigger_sql.triggers_present(connection, people_tally.TRIGGERS)
    assert trigger_sql.has_column(connection, people_tally.TALLY, "talents")
    assert not trigger_sql.has_column(connection, people_tally.TALLY, "cadres")
    people_tally.drop_triggers()
    assert not trigger_sql.triggers_present(connection, people_tally.TRIGGERS)
    bulk_people(a={"name": "甲", "home_org": tree.village_a1})
    assert people_tally.check()  # not counted without the triggers
    people_tally.install_triggers()
    people_tally.rebuild()
    bulk_people(b={"name": "乙", "home_org": tree.village_a1})
    assert people_tally.check() == {}
    assert Person.objects.filter(home_org=tree.village_a1).count() == 2


def test_a_function_several_triggers_share_is_dropped_by_name(db, postgresql_only):
    with connection.cursor() as cursor:
        cursor.execute(trigger_sql.pg_function("portal_test_shared", ["PERFORM 1"]))
        counted = "SELECT COUNT(*) FROM pg_proc WHERE proname = 'portal_test_shared'"
        cursor.execute(counted)
        assert cursor.fetchone()[0] == 1
        trigger_sql.drop_triggers(connection, {}, functions=["portal_test_shared"])
        cursor.execute(counted)
        assert cursor.fetchone()[0] == 0
