"""Township roll-up (乡镇月度活动汇总) of the org tallies, kept by triggers on the org tally.

TownshipMonthTally (township path prefix, org kind, org active, month) holds the sums of the
org tallies (OrgMonthTally) of its organizations: counted activities, participations, and
the organizations that logged at least one counted activity in the month (active_orgs).

Activities and participations are sums: each change of an org tally row adds its difference.
active_orgs is not: an organization counts once whatever the number of its rows (one per
pairing) above 0, so a change adds (org-month total after > 0) - (total before > 0), the
total after read from the org tally and the total before being that less the change. On
PostgreSQL, per statement (transition tables), the trigger first share-locks its townships
(see below), then locks the roll-up rows it will change (INSERT ... ON CONFLICT DO UPDATE, in
key order, which also creates a missing row without a race), and only then, in a later
statement with a fresh snapshot, reads the org-month totals: two villages' saves in one
township — or two pairings' rows of one village — wait for each other there, and the second
reads the first's committed rows, so neither counts an organization as becoming active twice.
SQLite serialises writers.

An organization's path (moved to another township), kind or state (启用) changing recounts the
townships concerned from the org tally (rare). On PostgreSQL it first takes an exclusive
transaction advisory lock on each of those townships (LOCK_CLASS), which every roll-up writer
share-locks for the townships it touches before writing: the recount waits only for the
writers of its townships in progress and those townships' new writers wait for it, while saves
never wait for each other and other townships never wait at all. The activity triggers
share-lock the activities' organizations first (ledger.tallies._locks), so such a change waits
for a save in progress and the other way round.

Paused with the other tallies (ledger.tallies.paused; the demo's bulk load), recounted by
ledger.tallies.rebuild_tallies and checked against the raw rows (ledger.tallies.
check_township_rollup, `manage.py ledger_tallies`).
"""

import datetime
import functools

from django.db import connection

from ledger.models import OrgMonthTally, TownshipMonthTally
from portal import trigger_sql
from portal.models import Organization

ROLLUP = TownshipMonthTally._meta.db_table
ORG_TALLY = OrgMonthTally._meta.db_table
ORG = Organization._meta.db_table
PREFIX = TownshipMonthTally._meta.get_field("township").max_length
KEYS = ("township", "kind", "org_active", "month")
COUNTS = ("activities", "participations", "active_orgs")
PAUSE_SETTING = "ledger.tallies_paused"  # ledger.tallies.PAUSE_SETTING (that module imports us)
# First key of the roll-up's per-township advisory locks (second: hashtext of the prefix), so
# they never meet another feature's: 17 for migration 0017, the roll-up's; grep before reusing.
LOCK_CLASS = 17

TRIGGERS = {
    "ledger_township_tally_insert": ORG_TALLY, "ledger_township_tally_update": ORG_TALLY,
    "ledger_township_tally_delete": ORG_TALLY, "ledger_township_tally_org": ORG,
    # SQLite only: an update moving a tally row to another org or month (never done by the
    # tally triggers, but any UPDATE is kept right).
    "ledger_township_tally_update_moved": ORG_TALLY,
}


def _key(org):
    return f"SUBSTR({org}.path, 1, {PREFIX}), {org}.kind, {org}.is_active"


def _active(expr):
    return f"(CASE WHEN {expr} > 0 THEN 1 ELSE 0 END)"


def _total(org_id, month):
    """The org-month's counted activities now (all its rows, every pairing)."""
    return (f"(SELECT COALESCE(SUM(t.activities), 0) FROM {ORG_TALLY} t "
            f"WHERE t.org_id = {org_id} AND t.month = {month})")


def _upsert(select, vendor):
    """Add the (*KEYS, *COUNTS) rows of `select` to the roll-up."""
    order = " ORDER BY 1, 2, 3, 4" if vendor == "postgresql" else ""
    updates = ", ".join(f"{c} = {ROLLUP}.{c} + excluded.{c}" for c in COUNTS)
    return (f"INSERT INTO {ROLLUP} ({', '.join(KEYS + COUNTS)}) {select}{order} "
            f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {updates}")


# --- PostgreSQL: statement triggers ------------------------------------------------------------

def _pg_changes(old, new):
    """WITH d: the statement's net change per org-month (org_id, month, da, dp)."""
    parts = [f"SELECT org_id, month, {sign}activities AS a, {sign}participations AS p "
             f"FROM {rows}" for rows, sign in ((new, ""), (old, "-")) if rows]
    union = " UNION ALL ".join(parts)
    return (f"WITH d AS (SELECT org_id, month, SUM(a) AS da, SUM(p) AS dp FROM ({union}) x "
            f"GROUP BY 1, 2 HAVING SUM(a) <> 0 OR SUM(p) <> 0) ")


def _lock_townships(townships_sql, function):
    """PERFORM `function` (pg_advisory_xact_lock or its _shared form) on each township (path
    prefix) of `townships_sql`, in key order: two transactions never wait for each other in
    opposite orders."""
    return (f"PERFORM {function}({LOCK_CLASS}, k) FROM (SELECT DISTINCT hashtext(t.township) "
            f"AS k FROM ({townships_sql}) t (township) ORDER BY k) keys")


def _pg_statements(old, new):
    changes = _pg_changes(old, new)
    # Before any write, in its own statement: the next ones see a recount that held the lock.
    share = _lock_townships(f"{changes}SELECT SUBSTR(o.path, 1, {PREFIX}) FROM d "
                            f"JOIN {ORG} o ON o.id = d.org_id", "pg_advisory_xact_lock_shared")
    lock = (f"{changes}INSERT INTO {ROLLUP} ({', '.join(KEYS + COUNTS)}) "
            f"SELECT DISTINCT {_key('o')}, d.month, 0, 0, 0 FROM d JOIN {ORG} o ON o.id = d.org_id "
            f"ORDER BY 1, 2, 3, 4 ON CONFLICT ({', '.join(KEYS)}) "
            f"DO UPDATE SET activities = {ROLLUP}.activities")
    after = _total("d.org_id", "d.month")
    add = changes + _upsert(
        f"SELECT {_key('o')}, d.month, SUM(d.da), SUM(d.dp), "
        f"SUM({_active(after)} - {_active(f'{after} - d.da')}) "
        f"FROM d JOIN {ORG} o ON o.id = d.org_id GROUP BY 1, 2, 3, 4", "postgresql")
    return [share, lock, add]


_pg_function = functools.partial(trigger_sql.pg_function, paused_by=PAUSE_SETTING)


def _recount_townships(townships_sql):
    """Recount the roll-up of the townships (path prefixes) `townships_sql` from the org
    tally."""
    return [
        f"DELETE FROM {ROLLUP} WHERE township IN ({townships_sql})",
        _insert_recount(f"SUBSTR(o.path, 1, {PREFIX}) IN ({townships_sql})", ORG_TALLY),
    ]


def _insert_recount(where, source):
    return (f"INSERT INTO {ROLLUP} ({', '.join(KEYS + COUNTS)}) {_grouped(source)} "
            f"WHERE {where} GROUP BY 1, 2, 3, 4")


def _grouped(source):
    """SELECT ... FROM: the roll-up's rows from `source` (org tally rows, or a FROM item with
    the columns org_id, month, activities, participations), before WHERE and GROUP BY."""
    return (f"SELECT {_key('o')}, t.month, SUM(t.a), SUM(t.p), SUM({_active('t.a')}) FROM "
            f"(SELECT org_id, month, SUM(activities) AS a, SUM(participations) AS p "
            f"FROM {source} GROUP BY 1, 2) t JOIN {ORG} o ON o.id = t.org_id")


def _pg_objects():
    """[(function name, CREATE FUNCTION, [CREATE TRIGGER])]."""
    events = {"insert": ("NEW TABLE AS new_rows", None, "new_rows"),
              "update": ("OLD TABLE AS old_rows NEW TABLE AS new_rows", "old_rows", "new_rows"),
              "delete": ("OLD TABLE AS old_rows", "old_rows", None)}
    objects = []
    for event, (referencing, old, new) in events.items():
        name = f"ledger_township_tally_{event}"
        objects.append((name, _pg_function(name, _pg_statements(old, new)),
                        [f"CREATE TRIGGER {name} AFTER {event.upper()} ON {ORG_TALLY} "
                         f"REFERENCING {referencing} FOR EACH STATEMENT "
                         f"EXECUTE FUNCTION {name}()"]))
    changed = ("FROM old_rows r JOIN new_rows s ON s.id = r.id WHERE r.path <> s.path "
               "OR r.kind <> s.kind OR r.is_active <> s.is_active")
    townships = (f"SELECT SUBSTR(r.path, 1, {PREFIX}) {changed} "
                 f"UNION SELECT SUBSTR(s.path, 1, {PREFIX}) {changed}")
    name = "ledger_township_tally_org"
    # The townships' writers in progress finish first, and none of theirs starts before the
    # change commits (a save adding a township's first row of a month unseen by the DELETE
    # failed the INSERT on the unique key); per township, not the table: an org edit blocked
    # by one writer queued every later save in the city behind it. The DELETE and INSERT,
    # later statements, read with a snapshot taken after the lock.
    lock = _lock_townships(townships, "pg_advisory_xact_lock")
    objects.append((name, _pg_function(name, [lock, *_recount_townships(townships)],
                                       guard=f"  IF NOT EXISTS (SELECT 1 {changed}) THEN "
                                             "RETURN NULL; END IF;\n"),
                    [f"CREATE TRIGGER {name} AFTER UPDATE ON {ORG} "
                     "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
                     f"EXECUTE FUNCTION {name}()"]))
    return objects


# --- SQLite: row triggers ----------------------------------------------------------------------

def _sqlite_add(row, da, dp):
    """Upsert adding the change (da, dp) of the org-month of `row` (NEW)."""
    after = _total(f"{row}.org_id", f"{row}.month")
    return _upsert(f"SELECT {_key('o')}, {row}.month, {da}, {dp}, "
                   f"{_active(after)} - {_active(f'{after} - ({da})')} "
                   f"FROM {ORG} o WHERE o.id = {row}.org_id", "sqlite")


def _sqlite_take_away(row):
    """UPDATE taking the row `row` (OLD, gone from its org-month) off the roll-up; never an
    insert (Django's flush empties the roll-up first: see ledger.tallies._decrement)."""
    after = _total(f"{row}.org_id", f"{row}.month")
    return (f"UPDATE {ROLLUP} SET activities = activities - {row}.activities, "
            f"participations = participations - {row}.participations, "
            f"active_orgs = active_orgs - ({_active(f'{after} + {row}.activities')} "
            f"- {_active(after)}) "
            f"WHERE (township, kind, org_active) IN (SELECT {_key('o')} FROM {ORG} o "
            f"WHERE o.id = {row}.org_id) AND month = {row}.month")


def _sqlite_triggers():
    same = "OLD.org_id = NEW.org_id AND OLD.month = NEW.month"
    changes = ("NEW.activities - OLD.activities", "NEW.participations - OLD.participations")
    return {
        "ledger_township_tally_insert":
            f"CREATE TRIGGER ledger_township_tally_insert AFTER INSERT ON {ORG_TALLY} "
            f"BEGIN {_sqlite_add('NEW', 'NEW.activities', 'NEW.participations')}; END",
        "ledger_township_tally_update":
            f"CREATE TRIGGER ledger_township_tally_update AFTER UPDATE ON {ORG_TALLY} "
            f"WHEN {same} AND (OLD.activities <> NEW.activities "
            f"OR OLD.participations <> NEW.participations) BEGIN "
            f"{_sqlite_add('NEW', *changes)}; END",
        "ledger_township_tally_update_moved":
            f"CREATE TRIGGER ledger_township_tally_update_moved AFTER UPDATE ON {ORG_TALLY} "
            f"WHEN NOT ({same}) BEGIN {_sqlite_take_away('OLD')}; "
            f"{_sqlite_add('NEW', 'NEW.activities', 'NEW.participations')}; END",
        "ledger_township_tally_delete":
            f"CREATE TRIGGER ledger_township_tally_delete AFTER DELETE ON {ORG_TALLY} "
            f"BEGIN {_sqlite_take_away('OLD')}; END",
        "ledger_township_tally_org":
            f"CREATE TRIGGER ledger_township_tally_org AFTER UPDATE OF path, kind, is_active "
            f"ON {ORG} WHEN OLD.path <> NEW.path OR OLD.kind <> NEW.kind "
            f"OR OLD.is_active <> NEW.is_active BEGIN "
            + "".join(f"{s}; " for s in _recount_townships(
                f"SUBSTR(OLD.path, 1, {PREFIX}), SUBSTR(NEW.path, 1, {PREFIX})"))
            + "END",
    }


# --- Installing, recounting, checking ----------------------------------------------------------

def ready(conn=None) -> bool:
    """Whether the roll-up's table exists (migration 0017): earlier migrations, which run the
    tallies' current code, neither keep nor recount it."""
    conn = conn or connection
    return ROLLUP in conn.introspection.table_names()


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    trigger_sql.install(conn, _pg_objects, lambda: _sqlite_triggers().values())


def drop_triggers(conn=None):
    conn = conn or connection
    if ORG_TALLY not in conn.introspection.table_names():
        return  # before migration 0006: no trigger of ours anywhere
    trigger_sql.drop_triggers(conn, TRIGGERS,
                              functions=[name for name, _function, _triggers in _pg_objects()])


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS that `conn`'s database should have and lacks (`manage.py
    ledger_tallies --check`): none before the roll-up's table exists."""
    conn = conn or connection
    if not ready(conn):
        return []
    names = {name for name in TRIGGERS
             if conn.vendor == "sqlite" or name != "ledger_township_tally_update_moved"}
    return trigger_sql.missing_triggers(conn, names)


def triggers_present(conn=None) -> bool:
    return not missing_triggers(conn)


def _year_where(year, column):
    if year is None:
        return "1 = 1", []
    return (f"{column} >= %s AND {column} < %s",
            [datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)])


def rebuild(year=None, conn=None) -> int:
    """Recount the roll-up (of `year`'s months, all when None) from the org tally; the rows
    written. Run inside the caller's transaction (ledger.tallies.rebuild_tallies), on `conn`
    (a migration's connection; the default one when None)."""
    conn = conn or connection
    where, params = _year_where(year, "month")
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {ORG_TALLY}, {ORG} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {ROLLUP} WHERE {where}", params)
        source_where, source_params = _year_where(year, "month")
        cursor.execute(
            f"INSERT INTO {ROLLUP} ({', '.join(KEYS + COUNTS)}) "
            f"{_grouped(f'(SELECT * FROM {ORG_TALLY} WHERE {source_where}) s')} "
            f"GROUP BY 1, 2, 3, 4", source_params)
        return cursor.rowcount


def _as_key(row):
    township, kind, active, month, *counts = row
    month = month.isoformat() if isinstance(month, datetime.date) else str(month)
    return (township, kind, str(bool(int(active))), month), tuple(int(c or 0) for c in counts)


def compare(raw_org_tallies, params, year=None) -> list:
    """[(key, stored, recounted), ...] for every roll-up row that differs from the roll-up of
    `raw_org_tallies` (a SELECT of org_id, pairing_id, month, activities, participations
    recounted from the raw rows: ledger.tallies.check_township_rollup gives it); rows at 0
    count as absent. Keys are (township, kind, org active, month); figures (activities,
    participations, active organizations)."""
    select = raw_org_tallies
    where, where_params = _year_where(year, "month")
    zero = (0,) * len(COUNTS)
    with trigger_sql.one_snapshot(connection), connection.cursor() as cursor:
        cursor.execute(f"WITH raw (org_id, pairing_id, month, activities, participations) AS "
                       f"({select}) {_grouped('raw')} GROUP BY 1, 2, 3, 4", params)
        expected = dict(_as_key(row) for row in cursor.fetchall())
        cursor.execute(f"SELECT {', '.join(KEYS + COUNTS)} FROM {ROLLUP} WHERE {where}",
                       where_params)
        stored = dict(_as_key(row) for row in cursor.fetchall())
    expected = {key: value for key, value in expected.items() if value != zero}
    stored = {key: value for key, value in stored.items() if value != zero}
    return [(key, stored.get(key, zero), expected.get(key, zero))
            for key in sorted(set(expected) | set(stored))
            if stored.get(key, zero) != expected.get(key, zero)]
