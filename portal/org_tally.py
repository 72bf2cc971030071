"""Organizations per township (TownshipOrgTally), kept by database triggers on the org table.

Per township path prefix (a county-level organization is its own prefix; the county itself
its four characters), kind and state (启用 or not): how many organizations there are. The
county-wide pages count villages per township or organizations per kind on every view (the
county home's overview, trends and silent villages, 每月调度, 履职情况's pages of
townships): at city scale each was a scan of 5,811 organizations, each cut to its prefix and
sorted (3-6 ms); the tally is a few hundred rows.

Triggers rather than calls in the services: every path that writes organizations (the
services, the import, treebeard's moves of a subtree in one UPDATE, the admin) changes the
tally in the same statement. On PostgreSQL per statement over transition tables: the
statement's changes summed per key, added by one INSERT ... ON CONFLICT DO UPDATE in key order
(so two writers of one key both count, and opposite moves lock the rows in the same order).
SQLite runs row triggers one organization at a time (it has one writer at a time).

Each statement locks its tally rows in key order, but a transaction of several statements
cannot: two transactions closing villages in townships X then Y and Y then X would deadlock on
the tally rows. The services and the admin write organizations one statement per transaction;
the organization import writes many in one, so it first takes `serialize_bulk_writes()`, and
two imports run one after the other.

A bulk load with the triggers off (portal.bulk_load's session_replication_role = replica, the
demo seed) recounts with `rebuild()`; `check()` compares the table with a recount.
"""

from django.db import connection

from portal import trigger_sql
from portal.models import Organization, TownshipOrgTally
from portal.scope import under_any_path

TALLY = TownshipOrgTally._meta.db_table
ORG = Organization._meta.db_table
PREFIX = TownshipOrgTally._meta.get_field("township").max_length
KEYS = ("township", "kind", "is_active")
COUNTED_COLUMNS = ("path", "kind", "is_active")
TRIGGERS = {f"portal_org_tally_{suffix}": ORG for suffix in ("insert", "delete", "update")}


# First key of the advisory lock serializing transactions that write organizations in several
# statements (15: migration portal 0015, the tally's; grep LOCK_CLASS before reusing one).
LOCK_CLASS = 15


def serialize_bulk_writes(conn=None):
    """Wait for, then hold until the transaction ends, the lock that transactions writing
    organizations in several statements take first (PostgreSQL; SQLite has one writer)."""
    conn = conn or connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_CLASS])


def orgs_per_township(kind, paths=None, *, active=True):
    """{township path prefix: organizations of `kind` in that state} under `paths` (scope
    roots; None for every organization), in prefix order; None when a root lies below a
    township, whose organizations the tally cannot tell apart (the caller counts them)."""
    rows = TownshipOrgTally.objects.filter(kind=kind, is_active=active, orgs__gt=0)
    if paths is not None:
        if any(len(path) > PREFIX for path in paths):
            return None
        rows = rows.filter(under_any_path("township", paths))
    return dict(rows.order_by("township").values_list("township", "orgs"))


def _key(row):
    """The tally key of the organization row `row` (NEW, OLD or an alias)."""
    return f"SUBSTR({row}.path, 1, {PREFIX}), {row}.kind, {row}.is_active"


def _upsert(select):
    """Add the (township, kind, is_active, orgs) rows of `select` to the tally."""
    return (f"INSERT INTO {TALLY} ({', '.join(KEYS)}, orgs) {select} "
            f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET orgs = {TALLY}.orgs + excluded.orgs")


def _sqlite_add(row):
    return _upsert(f"SELECT {_key(row)}, 1")


def _sqlite_take(row):
    """UPDATE only: Django's test flush on SQLite may have emptied the tally first, and a
    decrement must then not write a row of -1."""
    return (f"UPDATE {TALLY} SET orgs = orgs - 1 WHERE township = SUBSTR({row}.path, 1, "
            f"{PREFIX}) AND kind = {row}.kind AND is_active = {row}.is_active")


def _postgresql_delta(parts):
    """The statement's changes per key, in key order; `parts`: (sign, FROM clause, alias) of
    the organizations taken away (-1) and added (+1)."""
    rows = " UNION ALL ".join(
        f"SELECT SUBSTR({alias}.path, 1, {PREFIX}) AS township, {alias}.kind AS kind, "
        f"{alias}.is_active AS is_active, {sign} AS n FROM {source}"
        for sign, source, alias in parts)
    return (f"SELECT township, kind, is_active, SUM(n) FROM ({rows}) d "
            "GROUP BY township, kind, is_active HAVING SUM(n) <> 0 "
            "ORDER BY township, kind, is_active")


def install_triggers(conn=None):
    """(Re-)create the triggers on `conn`'s database."""
    conn = conn or connection
    drop_triggers(conn)
    trigger_sql.install_counting_triggers(
        conn, prefix="portal_org_tally", table=ORG, counted_columns=COUNTED_COLUMNS,
        pg_statement=lambda parts: _upsert(_postgresql_delta(parts)),
        sqlite_add=_sqlite_add, sqlite_take=_sqlite_take)


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py org_tally --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


_RECOUNT = (f"SELECT SUBSTR(o.path, 1, {PREFIX}), o.kind, o.is_active, COUNT(*) FROM {ORG} o "
            f"GROUP BY SUBSTR(o.path, 1, {PREFIX}), o.kind, o.is_active")


def rebuild(conn=None) -> int:
    """Recount the table from the organizations (after a load with the triggers off); rows
    written. On PostgreSQL the organizations are share-locked first (writers already running
    finish, new ones wait for the commit)."""
    conn = conn or connection
    return trigger_sql.replace_rows(conn, TALLY, (*KEYS, "orgs"), _RECOUNT, sources=(ORG,))


def check(conn=None) -> dict:
    """{(township, kind, is_active): (kept, recounted)} where the table and a recount of the
    organizations differ (a key with no organization left may keep a row of 0). Both are read
    from one snapshot (trigger_sql)."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_RECOUNT)
        counted = {(township, kind, bool(active)): n
                   for township, kind, active, n in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(KEYS)}, orgs FROM {TALLY}")
        kept = {(township, kind, bool(active)): n
                for township, kind, active, n in cursor.fetchall() if n}
    return {key: (kept.get(key), counted.get(key)) for key in set(kept) | set(counted)
            if kept.get(key) != counted.get(key)}
