"""Members per owner (OwnerMemberTally): for each owner (an alliance's township or county) and
organization, the number of the owner's open alliances the organization is a current member
of, kept by database triggers on the memberships and the alliances. An owner's distinct
members (联盟总览) are its rows above zero.

The triggers add differences, never recount: a membership becoming current in an open
alliance adds one at (its alliance's owner, its organization), one ceasing to be (left,
deleted, moved to another alliance or organization) takes one away; an alliance closed,
reopened or given to another owner moves each of its current members' ones. Differences
commute, so two writers of one owner never need to wait for each other at the tally (INSERT
... ON CONFLICT DO UPDATE adds atomically, in key order).

What a membership's trigger reads of its alliance (owner, open) must not change under it: on
PostgreSQL, per statement (transition tables), it first share-locks its alliances. An
alliance's update then waits for the membership's commit, and its trigger — later statements
with fresh snapshots — sees the new member; or the membership waits for the alliance's update
and reads the alliance as updated. The triggers are ENABLE ALWAYS, so a bulk load with
session_replication_role = replica (the demo seed) counts too. SQLite runs row triggers and
serialises writers.

An alliance is deleted after its memberships (its foreign key): no trigger on that. Rows that
fall to zero stay. `rebuild()` recounts the table; `check()` compares it with a recount
(`manage.py alliance_member_tally`).
"""

from django.db import connection

from alliances.models import Alliance, Membership, OwnerMemberTally
from portal import trigger_sql

TALLY = OwnerMemberTally._meta.db_table
MEMBERSHIP = Membership._meta.db_table
ALLIANCE = Alliance._meta.db_table
EVENTS = ("insert", "delete", "update")
TRIGGERS = {**{f"alliances_member_tally_{event}": MEMBERSHIP for event in EVENTS},
            "alliances_member_tally_alliance": ALLIANCE}
# The columns whose change moves a row's ones (other updates add nothing).
MEMBERSHIP_WATCHED = ("alliance_id", "org_id", "left_on")
ALLIANCE_WATCHED = ("owner_id", "closed_at")


def _members_of(rows, sign):
    """(owner, org, sign) for the membership rows `rows` (a FROM item `r`) that are current,
    in an alliance open now."""
    return (f"SELECT a.owner_id, r.org_id, {sign} AS d FROM {rows} "
            f"JOIN {ALLIANCE} a ON a.id = r.alliance_id "
            "WHERE r.left_on IS NULL AND a.closed_at IS NULL")


def _alliance_members(rows, sign):
    """(owner, org, sign) for the current members of the alliances `rows` (a FROM item `r`
    with id, owner_id, closed_at) that are open as those rows say."""
    return (f"SELECT r.owner_id, m.org_id, {sign} AS d FROM {rows} "
            f"JOIN {MEMBERSHIP} m ON m.alliance_id = r.id "
            "WHERE m.left_on IS NULL AND r.closed_at IS NULL")


def _add(parts):
    """Add the (owner, org, difference) rows of the SELECTs `parts` to the tally, summed per
    key and in key order (one row changed once, rows locked in one order by every writer)."""
    union = " UNION ALL ".join(parts)
    return (f"INSERT INTO {TALLY} (owner_id, org_id, alliances) "
            f"SELECT owner_id, org_id, SUM(d) FROM ({union}) x GROUP BY owner_id, org_id "
            "HAVING SUM(d) <> 0 ORDER BY owner_id, org_id "
            f"ON CONFLICT (owner_id, org_id) DO UPDATE SET alliances = "
            f"{TALLY}.alliances + excluded.alliances")


def _changed(old, new, columns, differs):
    return " OR ".join(f"{old}.{c} {differs} {new}.{c}" for c in columns)


def _lock_alliances(sources):
    """PostgreSQL: share-lock, in id order, the alliances of the membership row sources."""
    ids = " UNION ".join(f"SELECT r.alliance_id FROM {source}" for source in sources)
    return f"PERFORM 1 FROM {ALLIANCE} WHERE id IN ({ids}) ORDER BY id FOR SHARE"


def _updated(side, columns):
    """PostgreSQL: the `side` ("o" before, "n" after) of an update's rows whose `columns`
    changed, as a FROM item `r` (transition tables admit no column list)."""
    changed = _changed("o", "n", columns, "IS DISTINCT FROM")
    return (f"(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE {changed}) r")


def _pg_triggers():
    """{name: (table, event, statements, referencing)}."""
    moved_old, moved_new = (_updated(side, MEMBERSHIP_WATCHED) for side in ("o", "n"))
    alliance_old, alliance_new = (_updated(side, ALLIANCE_WATCHED) for side in ("o", "n"))
    both = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    return {
        "alliances_member_tally_insert": (
            MEMBERSHIP, "INSERT",
            [_lock_alliances(["new_rows r"]), _add([_members_of("new_rows r", 1)])],
            "NEW TABLE AS new_rows"),
        "alliances_member_tally_delete": (
            MEMBERSHIP, "DELETE",
            [_lock_alliances(["old_rows r"]), _add([_members_of("old_rows r", -1)])],
            "OLD TABLE AS old_rows"),
        "alliances_member_tally_update": (
            MEMBERSHIP, "UPDATE",
            [_lock_alliances([moved_old, moved_new]),
             _add([_members_of(moved_old, -1), _members_of(moved_new, 1)])], both),
        "alliances_member_tally_alliance": (
            ALLIANCE, "UPDATE",
            [_add([_alliance_members(alliance_old, -1), _alliance_members(alliance_new, 1)])],
            both),
    }


def _sqlite_row(row, columns):
    """SQLite: the trigger's OLD or NEW row as a FROM item `r`."""
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + ") r"


def _sqlite_triggers():
    """{name: (table, event, statements, when)}."""
    member = ("alliance_id", "org_id", "left_on")
    alliance = ("id", "owner_id", "closed_at")
    return {
        "alliances_member_tally_insert": (
            MEMBERSHIP, "INSERT", [_add([_members_of(_sqlite_row("NEW", member), 1)])], ""),
        "alliances_member_tally_delete": (
            MEMBERSHIP, "DELETE", [_add([_members_of(_sqlite_row("OLD", member), -1)])], ""),
        "alliances_member_tally_update": (
            MEMBERSHIP, f"UPDATE OF {', '.join(MEMBERSHIP_WATCHED)}",
            [_add([_members_of(_sqlite_row("OLD", member), -1),
                   _members_of(_sqlite_row("NEW", member), 1)])],
            _changed("OLD", "NEW", MEMBERSHIP_WATCHED, "IS NOT")),
        "alliances_member_tally_alliance": (
            ALLIANCE, f"UPDATE OF {', '.join(ALLIANCE_WATCHED)}",
            [_add([_alliance_members(_sqlite_row("OLD", alliance), -1),
                   _alliance_members(_sqlite_row("NEW", alliance), 1)])],
            _changed("OLD", "NEW", ALLIANCE_WATCHED, "IS NOT")),
    }


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for name, (table, event, statements, referencing) in _pg_triggers().items():
                trigger_sql.create_trigger(cursor, conn.vendor, name=name, table=table,
                                           event=event, statements=statements,
                                           referencing=referencing, always=True)
        else:
            for name, (table, event, statements, when) in _sqlite_triggers().items():
                trigger_sql.create_trigger(cursor, conn.vendor, name=name, table=table,
                                           event=event, statements=statements, when=when)


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py alliance_member_tally
    --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


RECOUNT = (f"SELECT a.owner_id, m.org_id, COUNT(*) FROM {MEMBERSHIP} m "
           f"JOIN {ALLIANCE} a ON a.id = m.alliance_id "
           "WHERE m.left_on IS NULL AND a.closed_at IS NULL GROUP BY 1, 2")


def rebuild(conn=None) -> int:
    """Recount the table from the memberships and alliances; rows written. On PostgreSQL both
    are share-locked first (writers already running finish, new ones wait for the commit)."""
    conn = conn or connection
    return trigger_sql.replace_rows(conn, TALLY, ("owner_id", "org_id", "alliances"), RECOUNT,
                                    sources=(MEMBERSHIP, ALLIANCE))


def check(conn=None) -> dict:
    """{(owner id, org id): (kept, recounted)} where the table and a recount differ; a row of
    zero counts as absent. Read in one snapshot (portal.trigger_sql.one_snapshot)."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(RECOUNT)
        counted = {(owner, org): n for owner, org, n in cursor.fetchall()}
        cursor.execute(f"SELECT owner_id, org_id, alliances FROM {TALLY} WHERE alliances <> 0")
        kept = {(owner, org): n for owner, org, n in cursor.fetchall()}
    return {key: (kept.get(key), counted.get(key)) for key in set(kept) | set(counted)
            if kept.get(key) != counted.get(key)}
