"""People per organization (OrgPeopleTally), kept by database triggers on the people table.

An organization's people at or below it (its page's 人员 button, the org tree's column) are the
sum of its subtree's tallies: a few thousand rows for a city's county instead of its 154,500
people. Triggers rather than calls in the services: every path that writes people (the
services, the import's bulk inserts and moves, the admin) changes the tally in the same
statement. A person inserted, deleted, moved to another organization or leaving / returning
(is_active) moves one count; on PostgreSQL by INSERT ... ON CONFLICT DO UPDATE, so two writers
of one organization both count (the row lock orders them).

A bulk load with the triggers off (portal.bulk_load's session_replication_role = replica, the
demo seed) recounts with `rebuild()`; `check()` compares the table with a recount.
"""

from django.db import connection, transaction

from portal.models import OrgPeopleTally, Person

TALLY = OrgPeopleTally._meta.db_table
PERSON = Person._meta.db_table
TRIGGERS = ("portal_people_tally_insert", "portal_people_tally_delete",
            "portal_people_tally_update")


def _add(row, sign, vendor):
    """Statements adding (sign +1) or taking away (-1) the person `row` ("NEW"/"OLD")."""
    active = (f"CASE WHEN {row}.is_active THEN 1 ELSE 0 END" if vendor == "postgresql"
              else f"{row}.is_active")
    if sign < 0:
        return (f"UPDATE {TALLY} SET people = people - 1, active = active - {active} "
                f"WHERE org_id = {row}.home_org_id;")
    return (f"INSERT INTO {TALLY} (org_id, people, active) VALUES ({row}.home_org_id, 1, "
            f"{active}) ON CONFLICT (org_id) DO UPDATE SET people = {TALLY}.people + 1, "
            f"active = {TALLY}.active + excluded.active;")


CHANGED = ("OLD.home_org_id <> NEW.home_org_id OR OLD.is_active <> NEW.is_active")


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    vendor = conn.vendor
    bodies = {"insert": ("INSERT", "", [_add("NEW", 1, vendor)]),
              "delete": ("DELETE", "", [_add("OLD", -1, vendor)]),
              "update": ("UPDATE OF home_org_id, is_active", f" WHEN ({CHANGED})",
                         [_add("OLD", -1, vendor), _add("NEW", 1, vendor)])}
    with conn.cursor() as cursor:
        for suffix, (event, when, statements) in bodies.items():
            name = f"portal_people_tally_{suffix}"
            if vendor == "postgresql":
                returned = "OLD" if suffix == "delete" else "NEW"
                cursor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
                               f"BEGIN {' '.join(statements)} RETURN {returned}; END "
                               "$$ LANGUAGE plpgsql")
                cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {PERSON} FOR EACH ROW"
                               f"{when} EXECUTE FUNCTION {name}()")
            else:
                cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {PERSON} FOR EACH ROW"
                               f"{when} BEGIN {' '.join(statements)} END")


def drop_triggers(conn=None):
    conn = conn or connection
    with conn.cursor() as cursor:
        for name in TRIGGERS:
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {PERSON}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


RECOUNT = (f"SELECT home_org_id, COUNT(*), SUM(CASE WHEN is_active THEN 1 ELSE 0 END) "
           f"FROM {PERSON} GROUP BY home_org_id")


def rebuild(conn=None) -> int:
    """Recount the table from the people (after a load with the triggers off); rows written.
    On PostgreSQL the people are share-locked first (writers already running finish, new ones
    wait for the commit): a person moved meanwhile would update a row the rebuild has deleted,
    and its recount could not see the move, so the move would be lost from the table."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {PERSON} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TALLY}")
        cursor.execute(f"INSERT INTO {TALLY} (org_id, people, active) {RECOUNT}")
        return cursor.rowcount


def check(conn=None) -> dict:
    """{org id: (kept, recounted)} where the table and a recount of the people differ (an
    organization with no people may keep a row of zeros)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(RECOUNT)
        counted = {org: (people, int(active)) for org, people, active in cursor.fetchall()}
        cursor.execute(f"SELECT org_id, people, active FROM {TALLY}")
        kept = {org: (people, active) for org, people, active in cursor.fetchall()
                if (people, active) != (0, 0)}
    return {org: (kept.get(org), counted.get(org)) for org in set(kept) | set(counted)
            if kept.get(org) != counted.get(org)}
