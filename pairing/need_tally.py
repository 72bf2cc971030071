"""Needs per village and month (NeedMonthTally), kept by database triggers on the needs and
the claims, as 结对共建统计 counts them: a need belongs to the month it was published in (local
time); it is claimed while a claim holds a place on it (PLACE_HOLDING), confirmed while a claim
is confirmed.

Triggers rather than calls in the services: every path that writes needs or claims (the
services, the admin, the demo's bulk inserts, the tests) changes the tally in the same
transaction. A need inserted adds one to its village-month (by INSERT ... ON CONFLICT DO UPDATE
on PostgreSQL, so two villages' secretaries publishing at once both count); a need deleted or
moved (another village or publish time) takes itself and its flags away from the old month.
A claim written changes its need's flags only when the need had no other such claim.

On PostgreSQL the claim triggers run per statement over transition tables (a bulk update of two
claims of one need changes the need's flag once) and first lock the needs concerned FOR NO KEY
UPDATE: two claims saved on one need at once are then counted one after the other, the second
seeing the first, while rows referring to the need (their foreign key checks) are not blocked.
They are ENABLE ALWAYS, so a bulk load with session_replication_role = replica
(portal.bulk_load, the demo seed) counts too. SQLite runs its row triggers one row at a time,
which gives the same figures; it has no time zones, so its months use the zone's UTC offset
when the triggers were installed (TIME_ZONE; China has no daylight saving time).

`rebuild()` recounts the table; `check()` compares it with a recount (`manage.py need_tally`).
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db import connection

from pairing.models import PLACE_HOLDING, Claim, ClaimStatus, Need, NeedMonthTally
from portal import trigger_sql

TALLY = NeedMonthTally._meta.db_table
NEED = Need._meta.db_table
CLAIM = Claim._meta.db_table
EVENTS = ("insert", "delete", "update")
TRIGGERS = {**{f"pairing_need_tally_{event}": NEED for event in EVENTS},
            **{f"pairing_need_tally_claim_{event}": CLAIM for event in EVENTS}}

FLAGS = {
    "claimed": "(" + ", ".join(f"'{status}'" for status in PLACE_HOLDING) + ")",
    "confirmed": f"('{ClaimStatus.CONFIRMED}')",
}


def _month(vendor, expr):
    """The local month (its first day) of the timestamp `expr`."""
    if vendor == "postgresql":
        return (f"CAST(date_trunc('month', {expr} AT TIME ZONE '{settings.TIME_ZONE}') "
                "AS date)")
    offset = zoneinfo.ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.datetime.now())
    return f"date({expr}, '{int(offset.total_seconds() // 60):+d} minutes', 'start of month')"


def _flag(need_id, statuses):
    """1 when the need `need_id` has a claim in `statuses`, else 0."""
    return (f"(CASE WHEN EXISTS (SELECT 1 FROM {CLAIM} WHERE need_id = {need_id} "
            f"AND status IN {statuses}) THEN 1 ELSE 0 END)")


def _add_need(row, vendor):
    flags = [_flag(f"{row}.id", FLAGS[name]) for name in FLAGS]
    return (f"INSERT INTO {TALLY} (village_org_id, month, published, claimed, confirmed) "
            f"VALUES ({row}.village_org_id, {_month(vendor, f'{row}.created_at')}, 1, "
            f"{flags[0]}, {flags[1]}) ON CONFLICT (village_org_id, month) DO UPDATE SET "
            f"published = {TALLY}.published + 1, claimed = {TALLY}.claimed + excluded.claimed, "
            f"confirmed = {TALLY}.confirmed + excluded.confirmed;")


def _take_need(row, vendor):
    """UPDATE only: the row exists since the need was added (SQLite's test flush may have
    emptied the tally first, and must then not get a -1 row)."""
    flags = [_flag(f"{row}.id", FLAGS[name]) for name in FLAGS]
    return (f"UPDATE {TALLY} SET published = published - 1, claimed = claimed - {flags[0]}, "
            f"confirmed = confirmed - {flags[1]} WHERE village_org_id = {row}.village_org_id "
            f"AND month = {_month(vendor, f'{row}.created_at')};")


def _sqlite_claim(row, sign):
    """SQLite, one claim `row` (NEW/OLD) added (+1) or taken away (-1): its need's flag moves
    when no other claim of the need has the status."""
    def delta(statuses):
        return (f"(CASE WHEN {row}.status IN {statuses} AND NOT EXISTS (SELECT 1 FROM {CLAIM} "
                f"WHERE need_id = {row}.need_id AND id <> {row}.id AND status IN {statuses}) "
                f"THEN {sign} ELSE 0 END)")
    return (f"UPDATE {TALLY} SET claimed = claimed + {delta(FLAGS['claimed'])}, "
            f"confirmed = confirmed + {delta(FLAGS['confirmed'])} "
            f"WHERE (village_org_id, month) = (SELECT village_org_id, "
            f"{_month('sqlite', 'created_at')} FROM {NEED} WHERE id = {row}.need_id);")


def _postgres_claims(old, new):
    """PostgreSQL, a statement's claims (transition tables `old` and/or `new`): per need
    concerned, its flags after the statement less its flags before it."""
    # Each need once (UNION, DISTINCT): a need with two claims in the statement moves once.
    sources = " UNION ".join(f"SELECT DISTINCT need_id FROM {table}"
                             for table in (old, new) if table)
    kept = f" AND c.id NOT IN (SELECT id FROM {new})" if new else ""

    def delta(statuses):
        before = f"EXISTS (SELECT 1 FROM {CLAIM} c WHERE c.need_id = a.need_id " \
                 f"AND c.status IN {statuses}{kept})"
        if old:
            before += (f" OR EXISTS (SELECT 1 FROM {old} o WHERE o.need_id = a.need_id "
                       f"AND o.status IN {statuses})")
        after = (f"EXISTS (SELECT 1 FROM {CLAIM} c WHERE c.need_id = a.need_id "
                 f"AND c.status IN {statuses})")
        return f"CAST({after} AS int) - CAST(({before}) AS int)"

    return (f"PERFORM 1 FROM {NEED} WHERE id IN ({sources}) ORDER BY id FOR NO KEY UPDATE; "
            f"UPDATE {TALLY} t SET claimed = t.claimed + d.claimed, "
            f"confirmed = t.confirmed + d.confirmed FROM ("
            f"SELECT n.village_org_id, {_month('postgresql', 'n.created_at')} AS month, "
            f"SUM(f.claimed) AS claimed, SUM(f.confirmed) AS confirmed FROM ("
            f"SELECT a.need_id, {delta(FLAGS['claimed'])} AS claimed, "
            f"{delta(FLAGS['confirmed'])} AS confirmed FROM ({sources}) a) f "
            f"JOIN {NEED} n ON n.id = f.need_id GROUP BY 1, 2) d "
            "WHERE t.village_org_id = d.village_org_id AND t.month = d.month "
            "AND (d.claimed <> 0 OR d.confirmed <> 0);")


NEED_MOVED = "OLD.village_org_id <> NEW.village_org_id OR OLD.created_at <> NEW.created_at"
CLAIM_CHANGED = "OLD.status <> NEW.status OR OLD.need_id <> NEW.need_id"


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    vendor = conn.vendor
    needs = {"insert": ("INSERT", "", [_add_need("NEW", vendor)]),
             "delete": ("DELETE", "", [_take_need("OLD", vendor)]),
             "update": ("UPDATE OF village_org_id, created_at", NEED_MOVED,
                        [_take_need("OLD", vendor), _add_need("NEW", vendor)])}
    if vendor == "postgresql":
        claims = {"insert": ("INSERT", "NEW TABLE AS new_claims",
                             [_postgres_claims(None, "new_claims")]),
                  "delete": ("DELETE", "OLD TABLE AS old_claims",
                             [_postgres_claims("old_claims", None)]),
                  "update": ("UPDATE", "OLD TABLE AS old_claims NEW TABLE AS new_claims",
                             [_postgres_claims("old_claims", "new_claims")])}
    else:
        claims = {"insert": ("INSERT", "", [_sqlite_claim("NEW", 1)]),
                  "delete": ("DELETE", "", [_sqlite_claim("OLD", -1)]),
                  "update": ("UPDATE OF status, need_id", "",
                             [_sqlite_claim("OLD", -1), _sqlite_claim("NEW", 1)])}
    with conn.cursor() as cursor:
        for suffix, (event, when, statements) in needs.items():
            trigger_sql.create_trigger(cursor, vendor, name=f"pairing_need_tally_{suffix}",
                                       table=NEED, event=event, statements=statements,
                                       when=when, always=True)
        for suffix, (event, referencing, statements) in claims.items():
            trigger_sql.create_trigger(
                cursor, vendor, name=f"pairing_need_tally_claim_{suffix}", table=CLAIM,
                event=event, statements=statements, referencing=referencing, always=True,
                when=CLAIM_CHANGED if vendor != "postgresql" and suffix == "update" else "")


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py need_tally --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


def _recount(vendor):
    flags = [_flag("n.id", FLAGS[name]) for name in FLAGS]
    return (f"SELECT n.village_org_id, {_month(vendor, 'n.created_at')}, COUNT(*), "
            f"SUM({flags[0]}), SUM({flags[1]}) FROM {NEED} n GROUP BY 1, 2")


def rebuild(conn=None) -> int:
    """Recount the table from the needs and claims; rows written. On PostgreSQL the needs and
    claims are share-locked first (writers already running finish, new ones wait for the
    commit): a claim saved meanwhile would update a row the rebuild has deleted, and its
    recount could not see the claim, so the claim would be lost from the table."""
    conn = conn or connection
    return trigger_sql.replace_rows(
        conn, TALLY, ("village_org_id", "month", "published", "claimed", "confirmed"),
        _recount(conn.vendor), sources=(NEED, CLAIM))


def check(conn=None) -> dict:
    """{(village id, month): (kept, recounted)} where the table and a recount differ (a
    village-month whose needs are gone may keep a row of zeros). The recount and the table are
    read in one snapshot (portal.trigger_sql.one_snapshot)."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_recount(conn.vendor))
        counted = {(village, str(month)): tuple(int(n) for n in figures)
                   for village, month, *figures in cursor.fetchall()}
        cursor.execute(f"SELECT village_org_id, month, published, claimed, confirmed "
                       f"FROM {TALLY}")
        kept = {(village, str(month)): tuple(figures)
                for village, month, *figures in cursor.fetchall() if any(figures)}
    return {key: (kept.get(key), counted.get(key)) for key in set(kept) | set(counted)
            if kept.get(key) != counted.get(key)}
