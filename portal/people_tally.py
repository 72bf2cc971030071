"""People per organization (OrgPeopleTally), kept by database triggers on the people table.

Per home organization: its people, those 在册 (is_active), and of these the party members and
the city talents. An organization's people at or below it (its page's 人员 button, the org
tree's column, the home page's 数据概览) are the sum of its subtree's tallies: a few thousand
rows for a city's county instead of its 154,500 people. Triggers rather than calls in the
services: every path that writes people (the services, the import's bulk inserts and moves,
the admin) changes the tally in the same statement.

On PostgreSQL the triggers run per statement over transition tables: the statement's changes
are summed per organization and added by one INSERT ... ON CONFLICT DO UPDATE in organization
order, so two writers of one organization both count (the row lock orders them), and two
statements moving people in opposite directions (A to B, B to A) lock the tally rows in the
same order instead of deadlocking. A transaction of several such statements can still
deadlock with another (PostgreSQL then cancels one, and nothing is counted wrong). SQLite runs
row triggers one person at a time (it has one writer at a time).

A bulk load with the triggers off (portal.bulk_load's session_replication_role = replica, the
demo seed) recounts with `rebuild()`; `check()` compares the table with a recount.
"""

from django.db import connection

from portal import trigger_sql
from portal.models import OrgPeopleTally, Person

TALLY = OrgPeopleTally._meta.db_table
PERSON = Person._meta.db_table
TRIGGERS = {f"portal_people_tally_{suffix}": PERSON for suffix in ("insert", "delete", "update")}

# What one person (`p`: a row alias, NEW or OLD) counts for, per column of the tally.
FIGURES = {
    "people": "1",
    "active": "CASE WHEN {p}.is_active THEN 1 ELSE 0 END",
    "members": "CASE WHEN {p}.is_active AND {p}.is_party_member THEN 1 ELSE 0 END",
    "talents": "CASE WHEN {p}.is_active AND {p}.is_city_talent THEN 1 ELSE 0 END",
}
# The columns before migration 0010 added the members and talents.
FIGURES_BEFORE_0010 = ("people", "active")
COUNTED_COLUMNS = ("home_org_id", "is_active", "is_party_member", "is_city_talent")


def figures(conn=None):
    """The tally's columns on `conn`'s database: migrations before 0010 run this module's
    current code on a table without the members and talents."""
    conn = conn or connection
    if trigger_sql.has_column(conn, TALLY, "members"):
        return tuple(FIGURES)
    return FIGURES_BEFORE_0010


def _values(alias, columns, sign=1):
    minus = "-" if sign < 0 else ""
    return [f"{minus}{FIGURES[column].format(p=alias)}" for column in columns]


def _upsert(columns, select):
    """Add the figures `select` yields per organization (org id, then `columns`) to the tally."""
    added = ", ".join(f"{column} = {TALLY}.{column} + excluded.{column}" for column in columns)
    return (f"INSERT INTO {TALLY} (org_id, {', '.join(columns)}) {select} "
            f"ON CONFLICT (org_id) DO UPDATE SET {added}")


def _sqlite_add(row, columns):
    return _upsert(columns, f"VALUES ({row}.home_org_id, {', '.join(_values(row, columns))})")


def _sqlite_take(row, columns):
    """UPDATE only: Django's test flush on SQLite may have emptied the tally first, and a
    decrement must then not write a row of -1."""
    taken = ", ".join(f"{column} = {column} - ({value})"
                      for column, value in zip(columns, _values(row, columns), strict=True))
    return f"UPDATE {TALLY} SET {taken} WHERE org_id = {row}.home_org_id"


def _postgresql_delta(parts, columns):
    """The statement's figures per organization, in organization order (the upsert then locks
    the tally rows in that order); `parts`: (sign, FROM clause, row alias) of the people
    taken away (-1) and added (+1)."""
    rows = " UNION ALL ".join(
        f"SELECT {alias}.home_org_id AS org_id, "
        + ", ".join(f"{value} AS {column}" for column, value in
                    zip(columns, _values(alias, columns, sign), strict=True))
        + f" FROM {source}" for sign, source, alias in parts)
    sums = ", ".join(f"SUM({column})" for column in columns)
    moved = " OR ".join(f"SUM({column}) <> 0" for column in columns)
    return f"SELECT org_id, {sums} FROM ({rows}) d GROUP BY org_id HAVING {moved} ORDER BY org_id"


def install_triggers(conn=None, columns=None):
    """(Re-)create the triggers on `conn`'s database, keeping `columns` (default: those the
    table has)."""
    conn = conn or connection
    columns = columns or figures(conn)
    drop_triggers(conn)
    trigger_sql.install_counting_triggers(
        conn, prefix="portal_people_tally", table=PERSON, counted_columns=COUNTED_COLUMNS,
        pg_statement=lambda parts: _upsert(columns, _postgresql_delta(parts, columns)),
        sqlite_add=lambda row: _sqlite_add(row, columns),
        sqlite_take=lambda row: _sqlite_take(row, columns))


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py people_tally --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


def _recount(columns):
    sums = ", ".join(f"SUM({value})" for value in _values("p", columns))
    return f"SELECT p.home_org_id, {sums} FROM {PERSON} p GROUP BY p.home_org_id"


def rebuild(conn=None, columns=None) -> int:
    """Recount the table from the people (after a load with the triggers off); rows written.
    On PostgreSQL the people are share-locked first (writers already running finish, new ones
    wait for the commit): a person moved meanwhile would update a row the rebuild has deleted,
    and its recount could not see the move, so the move would be lost from the table."""
    conn = conn or connection
    columns = columns or figures(conn)
    return trigger_sql.replace_rows(conn, TALLY, ("org_id", *columns), _recount(columns),
                                    sources=(PERSON,))


def check(conn=None) -> dict:
    """{org id: (kept, recounted)} where the table and a recount of the people differ (an
    organization with no people may keep a row of zeros); each side is the figures
    (people, active, members, talents). Both are read from one snapshot (trigger_sql)."""
    conn = conn or connection
    columns = figures(conn)
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_recount(columns))
        counted = {org: tuple(int(n) for n in counts) for org, *counts in cursor.fetchall()}
        cursor.execute(f"SELECT org_id, {', '.join(columns)} FROM {TALLY}")
        kept = {org: tuple(counts) for org, *counts in cursor.fetchall() if any(counts)}
    return {org: (kept.get(org), counted.get(org)) for org in set(kept) | set(counted)
            if kept.get(org) != counted.get(org)}
