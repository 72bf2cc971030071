"""The city-talent flag of the person tallies (PersonMonthTally.talent), kept by triggers.

每月调度 counts, per township, the distinct city talents who took part in its villages'
counted activities in a month: the month's person tallies of a page of townships, those of
talents only. Told by the person's flag, each tally row looked up its person (11-13 ms at city
scale for a page's ~7,000 rows); told by the month's talent tallies, a city's ~13,000 were
hashed per view (10 ms, growing with the city). With the flag on the row itself, a partial
index holds the talents' rows only, and a page reads its ~1,400 (about 1 ms).

The flag is the person's `is_city_talent`, active or not (a talent who has left since still
counted in the months they served, as the dispatch always counted them):
- a person tally row gets it when inserted, from its person: on PostgreSQL a BEFORE INSERT row
  trigger (the insert of whichever statement writes it: the activity and participation
  triggers, a rebuild, a bulk load); on SQLite, which cannot change NEW, an AFTER INSERT
  trigger updating the row;
- a person's flag changing updates their rows.
Both are ENABLE ALWAYS on PostgreSQL (a bulk load with session_replication_role = replica sets
it too) and never paused: a paused tally writes no rows, and its rebuild inserts them.

Races (PostgreSQL): the tally triggers share-lock the people of the activities they count
(ledger.tallies._locks) before inserting their rows, and a person's UPDATE locks the person:
one waits for the other, and the later statement — the insert reading the flag, or the flag
trigger's UPDATE of the rows — sees the other's committed rows.

`check()` lists the rows whose flag differs from their person's, `rebuild()` sets them right
(`manage.py person_tally_talents`, in `manage.py tallies`)."""

import contextlib

from django.db import connection, transaction

from ledger.models import PersonMonthTally
from portal import bulk_load, trigger_sql
from portal.models import Person

TALLY = PersonMonthTally._meta.db_table
PERSON = Person._meta.db_table
COLUMN = "talent"
INSERT_TRIGGER = "ledger_person_tally_talent_insert"
PERSON_TRIGGER = "ledger_person_tally_talent_person"
TRIGGERS = {INSERT_TRIGGER: TALLY, PERSON_TRIGGER: PERSON}
_PERSON_FLAG = f"(SELECT p.is_city_talent FROM {PERSON} p WHERE p.id = NEW.person_id)"


def _pg_objects():
    """[(function name, CREATE FUNCTION, [CREATE TRIGGER, ALTER ... ENABLE ALWAYS])]."""
    insert = (f"CREATE OR REPLACE FUNCTION {INSERT_TRIGGER}() RETURNS trigger "
              f"LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.{COLUMN} := COALESCE({_PERSON_FLAG}, false);\n"
              "  RETURN NEW;\nEND $$")
    changed = ("FROM old_rows r JOIN new_rows s ON s.id = r.id "
               "WHERE r.is_city_talent <> s.is_city_talent")
    person = trigger_sql.pg_function(
        PERSON_TRIGGER,
        [f"UPDATE {TALLY} t SET {COLUMN} = s.is_city_talent {changed} AND t.person_id = s.id"],
        guard=f"  IF NOT EXISTS (SELECT 1 {changed}) THEN RETURN NULL; END IF;\n")
    return [
        (INSERT_TRIGGER, insert,
         [f"CREATE TRIGGER {INSERT_TRIGGER} BEFORE INSERT ON {TALLY} FOR EACH ROW "
          f"EXECUTE FUNCTION {INSERT_TRIGGER}()",
          f"ALTER TABLE {TALLY} ENABLE ALWAYS TRIGGER {INSERT_TRIGGER}"]),
        (PERSON_TRIGGER, person,
         [f"CREATE TRIGGER {PERSON_TRIGGER} AFTER UPDATE ON {PERSON} "
          "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
          f"EXECUTE FUNCTION {PERSON_TRIGGER}()",
          f"ALTER TABLE {PERSON} ENABLE ALWAYS TRIGGER {PERSON_TRIGGER}"]),
    ]


def _sqlite_triggers():
    return [
        f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON {TALLY} FOR EACH ROW BEGIN "
        f"UPDATE {TALLY} SET {COLUMN} = COALESCE({_PERSON_FLAG}, 0) WHERE id = NEW.id; END",
        f"CREATE TRIGGER {PERSON_TRIGGER} AFTER UPDATE OF is_city_talent ON {PERSON} "
        "FOR EACH ROW WHEN OLD.is_city_talent <> NEW.is_city_talent BEGIN "
        f"UPDATE {TALLY} SET {COLUMN} = NEW.is_city_talent WHERE person_id = NEW.id; END",
    ]


def ready(conn=None) -> bool:
    """Whether the person tally has the flag's column (migration 0025): earlier migrations,
    which run the tallies' current code, neither keep nor check it."""
    conn = conn or connection
    return (TALLY in conn.introspection.table_names()
            and trigger_sql.has_column(conn, TALLY, COLUMN))


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    trigger_sql.install(conn, _pg_objects, _sqlite_triggers)


def drop_triggers(conn=None):
    conn = conn or connection
    if TALLY not in conn.introspection.table_names():
        return
    trigger_sql.drop_triggers(conn, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS the database lacks (none before the column exists)."""
    conn = conn or connection
    return trigger_sql.missing_triggers(conn, TRIGGERS) if ready(conn) else []


def _differing(select):
    return (f"{select} FROM {TALLY} t JOIN {PERSON} p ON p.id = t.person_id "
            f"WHERE t.{COLUMN} <> p.is_city_talent")


def check(conn=None) -> dict:
    """{(person id, org id, month): (kept flag, the person's)} for every row that differs."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_differing(f"SELECT t.person_id, t.org_id, t.month, t.{COLUMN}, "
                                  "p.is_city_talent"))
        return {(person, org, str(month)): (bool(kept), bool(flag))
                for person, org, month, kept, flag in cursor.fetchall()}


# pg_trigger.tgenabled and the ALTER TABLE that sets it.
TRIGGER_STATES = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA", "D": "DISABLE"}


def _insert_trigger_state():
    """The insert trigger's pg_trigger.tgenabled; None when it is not installed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s AND tgrelid = "
                       "to_regclass(%s)", [INSERT_TRIGGER, TALLY])
        row = cursor.fetchone()
    return row[0] if row else None


@contextlib.contextmanager
def set_after_load():
    """For a bulk load of person tallies inside `portal.bulk_load.set_based_foreign_key_checks()`
    on PostgreSQL (the demo seed's rebuild): the insert trigger off for the block, and every
    row's flag set after it by one UPDATE. The trigger's lookup of each inserted row's person
    added 10 s to the city seed's 1.7 million rows. The trigger is left as it was found.
    Elsewhere, or without the trigger, the block changes nothing."""
    state = _insert_trigger_state() if bulk_load.in_set_based_load() else None
    if state is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TALLY} DISABLE TRIGGER {INSERT_TRIGGER}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TALLY} {TRIGGER_STATES[state]} TRIGGER {INSERT_TRIGGER}")
        cursor.execute(f"LOCK TABLE {PERSON} IN SHARE MODE")  # as rebuild()
        # one hash join: rebuild()'s per-row subquery took 8 s over 1.7 million rows
        cursor.execute(f"UPDATE {TALLY} t SET {COLUMN} = p.is_city_talent FROM {PERSON} p "
                       f"WHERE p.id = t.person_id AND t.{COLUMN} <> p.is_city_talent")


def rebuild(conn=None) -> int:
    """Set every row's flag to its person's; the rows changed. On PostgreSQL the people are
    share-locked first: an UPDATE waiting for a flag change in progress on a row would then
    write the flag its subquery read before that change committed."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {PERSON} IN SHARE MODE")
        cursor.execute(f"UPDATE {TALLY} SET {COLUMN} = (SELECT p.is_city_talent FROM {PERSON} p "
                       f"WHERE p.id = {TALLY}.person_id) WHERE id IN "
                       f"({_differing('SELECT t.id')})")
        return cursor.rowcount
