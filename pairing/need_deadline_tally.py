"""Needs per village and deadline month (NeedDeadlineTally), kept by database triggers on the
needs and claims, as 每月调度 counts them: a need is open while published, and unfilled while
published with fewer confirmed claims than places (once its deadline has passed, that is
pairing's overdue rule); a claim awaits confirmation while done, whatever its need's status.
Each figure lies in the cell of its need's village and deadline month.

Each trigger works out the cells its rows touch (a need's old and new cell; a claim's need's
cell) and recounts those from the raw rows, rather than adding deltas: a village has few needs,
so a recount is a few index lookups, and "fewer confirmed claims than places" needs no
bookkeeping of the claims around it. Only the writes that can move a figure recount: a need's
status, places, deadline or village; a claim that is or was done or confirmed (a claim taken
or withdrawn moves none of them).

On PostgreSQL the claim triggers and the needs' insert and delete triggers run per statement
over transition tables (a bulk load recounts each cell once); a need's update is a row trigger
whose WHEN skips the claims' bookkeeping of its taken places. A trigger first locks the needs
of its claims FOR NO KEY UPDATE in id order (the order need_tally's claim triggers and the
services take: need, then cell), inserts the cells it touches with ON CONFLICT DO UPDATE (a
no-op that locks a cell already there), in key order within one run of the trigger: a
statement trigger's run covers the whole statement, but the needs' update trigger runs once
per row, so an UPDATE of several needs locks their cells need by need, in the order it
updates them, and two such statements can still deadlock (a transient conflict: see
portal.transient). It then recounts the cells in the next statement: a second writer of the
same cell waits for the first to commit, and its recount, a new statement, sees
the first one's rows (recounted in the upsert's own statement, it kept the figures from before
the wait: tests/pairing/test_need_deadline_tally_race.py). A cell recounted to zeros is
deleted; a writer waiting on it then inserts it afresh. They are ENABLE ALWAYS, so a bulk load
with session_replication_role = replica (portal.bulk_load, the demo seed) counts too, and the
demo's reset, deleting the claims and needs, leaves the table empty. SQLite runs row triggers,
one row at a time, with the same recounts.

`rebuild()` recounts the table; `check()` compares it with a recount (`manage.py
need_deadline_tally`).
"""

from django.db import connection

from pairing.models import Claim, ClaimStatus, Need, NeedDeadlineTally, NeedStatus
from portal import trigger_sql

TALLY = NeedDeadlineTally._meta.db_table
NEED = Need._meta.db_table
CLAIM = Claim._meta.db_table
KEY = ("village_org_id", "deadline_month")
PUBLISHED = f"'{NeedStatus.PUBLISHED}'"
DONE = f"'{ClaimStatus.DONE}'"
CONFIRMED = f"'{ClaimStatus.CONFIRMED}'"
# The claim statuses a figure reads: a claim in neither, before and after a write, moves none.
COUNTED_CLAIMS = f"({DONE}, {CONFIRMED})"


def _dialect(vendor, sql):
    """`sql` with @month(date) written for the database: the date of its month's first day."""
    if vendor == "postgresql":
        return sql.replace("@month(", "CAST(date_trunc('month', ").replace(
            "@)", ") AS date)")
    return sql.replace("@month(", "date(").replace("@)", ", 'start of month')")


def _month(expr):
    """The first day of the month of the date `expr` (see _dialect)."""
    return f"@month({expr}@)"


# A need `n` unfilled: published, fewer confirmed claims than places.
_UNFILLED = (f"n.status = {PUBLISHED} AND n.places > (SELECT COUNT(*) FROM {CLAIM} c "
             f"WHERE c.need_id = n.id AND c.status = {CONFIRMED})")
_WAITING = f"(SELECT COUNT(*) FROM {CLAIM} c WHERE c.need_id = n.id AND c.status = {DONE})"
# The figures of one cell `t` (named as "= t." only), counted over its village's needs.
_CELL_NEEDS = (f"FROM {NEED} n WHERE n.village_org_id = t.village_org_id "
               f"AND {_month('n.deadline')} = t.deadline_month")
FIGURES = {
    "open": f"SELECT COUNT(*) {_CELL_NEEDS} AND n.status = {PUBLISHED}",
    "unfilled": f"SELECT COUNT(*) {_CELL_NEEDS} AND {_UNFILLED}",
    "waiting": f"SELECT COUNT(*) FROM {CLAIM} c JOIN {NEED} n ON n.id = c.need_id "
               "WHERE n.village_org_id = t.village_org_id "
               f"AND {_month('n.deadline')} = t.deadline_month AND c.status = {DONE}",
}
ZERO = " AND ".join(f"{name} = 0" for name in FIGURES)

NEED_WATCHED = ("status", "places", "deadline", "village_org_id")
EVENTS = ("insert", "delete", "update")
TRIGGERS = {**{f"pairing_need_deadline_tally_{event}": NEED for event in EVENTS},
            **{f"pairing_need_deadline_tally_claim_{event}": CLAIM for event in EVENTS}}


def _need_keys(r):
    """The cells of the needs of the FROM item `r`."""
    return f"SELECT r.village_org_id, {_month('r.deadline')} AS deadline_month FROM {r}"


def _claim_keys(r):
    """The cells of the needs of the claims of the FROM item `r` (their needs as they are)."""
    return (f"SELECT n.village_org_id, {_month('n.deadline')} AS deadline_month FROM {r} "
            f"JOIN {NEED} n ON n.id = r.need_id")


def _refresh(vendor, keys, *, needs=None):
    """Statements recounting the cells whose keys `keys` (a SELECT) yields; on PostgreSQL the
    needs whose ids `needs` (a SELECT) yields are locked first."""
    names = ", ".join(KEY)
    key_list = ", ".join(f"k.{c}" for c in KEY)
    chosen = f"({names}) IN (SELECT {key_list} FROM ({keys}) k)"
    statements = []
    if vendor == "postgresql" and needs:
        statements.append(f"PERFORM 1 FROM {NEED} WHERE id IN ({needs}) ORDER BY id "
                          "FOR NO KEY UPDATE")
    # Each cell of this run inserted or, there, locked, in key order.
    lock = (f"DO UPDATE SET open = {TALLY}.open" if vendor == "postgresql" else "DO NOTHING")
    statements.append(f"INSERT INTO {TALLY} ({names}, {', '.join(FIGURES)}) "
                      f"SELECT DISTINCT {key_list}, {', '.join('0' for _ in FIGURES)} "
                      f"FROM ({keys}) k WHERE k.village_org_id IS NOT NULL "
                      f"ORDER BY {key_list} ON CONFLICT ({names}) {lock}")
    # No alias on the updated table (SQLite's triggers take none): the figures name it.
    sets = ", ".join(f"{name} = ({sql.replace('= t.', f'= {TALLY}.')})"
                     for name, sql in FIGURES.items())
    statements.append(f"UPDATE {TALLY} SET {sets} WHERE {chosen}")
    statements.append(f"DELETE FROM {TALLY} WHERE {chosen} AND {ZERO}")
    return [_dialect(vendor, statement) for statement in statements]


def _row(row, columns):
    """A trigger's OLD or NEW row as a FROM item `r`."""
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + ") r"


def _need_statements(vendor, rows):
    """Recount the cells of the need rows `rows` (FROM items named r)."""
    return _refresh(vendor, " UNION ".join(_need_keys(r) for r in rows))


def _claim_statements(vendor, rows):
    """Recount the cells of the needs of the claim rows `rows` (FROM items named r)."""
    needs = " UNION ".join(f"SELECT r.need_id FROM {r}" for r in rows)
    return _refresh(vendor, " UNION ".join(_claim_keys(r) for r in rows), needs=needs)


def _differs(old, new, columns):
    return " OR ".join(f"{old}.{c} <> {new}.{c}" for c in columns)


def _counted(row):
    return f"{row}.status IN {COUNTED_CLAIMS}"


def _triggers(vendor):
    """{name: (table, event, statements, when, referencing)} of the database's triggers."""
    need_row = ("village_org_id", "deadline")
    claim_row = ("need_id",)
    need_moved = _differs("OLD", "NEW", NEED_WATCHED)
    triggers = {"pairing_need_deadline_tally_update": (
        NEED, f"UPDATE OF {', '.join(NEED_WATCHED)}",
        _need_statements(vendor, [_row("OLD", need_row), _row("NEW", need_row)]),
        need_moved, "")}
    if vendor == "postgresql":
        triggers.update({
            "pairing_need_deadline_tally_insert": (
                NEED, "INSERT", _need_statements(vendor, ["new_rows r"]), "",
                "NEW TABLE AS new_rows"),
            "pairing_need_deadline_tally_delete": (
                NEED, "DELETE", _need_statements(vendor, ["old_rows r"]), "",
                "OLD TABLE AS old_rows"),
            "pairing_need_deadline_tally_claim_insert": (
                CLAIM, "INSERT", _claim_statements(vendor, [
                    f"(SELECT * FROM new_rows WHERE {_counted('new_rows')}) r"]), "",
                "NEW TABLE AS new_rows"),
            "pairing_need_deadline_tally_claim_delete": (
                CLAIM, "DELETE", _claim_statements(vendor, [
                    f"(SELECT * FROM old_rows WHERE {_counted('old_rows')}) r"]), "",
                "OLD TABLE AS old_rows"),
        })
        # Transition tables admit no column list: the rows whose counted status or need moved.
        changed = (f"FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE "
                   f"({_differs('o', 'n', ('status', 'need_id'))}) "
                   f"AND ({_counted('o')} OR {_counted('n')})")
        triggers["pairing_need_deadline_tally_claim_update"] = (
            CLAIM, "UPDATE", _claim_statements(vendor, [f"(SELECT o.need_id {changed}) r",
                                                        f"(SELECT n.need_id {changed}) r"]),
            "", "OLD TABLE AS old_rows NEW TABLE AS new_rows")
        return triggers
    triggers.update({
        "pairing_need_deadline_tally_insert": (
            NEED, "INSERT", _need_statements(vendor, [_row("NEW", need_row)]), "", ""),
        "pairing_need_deadline_tally_delete": (
            NEED, "DELETE", _need_statements(vendor, [_row("OLD", need_row)]), "", ""),
        "pairing_need_deadline_tally_claim_insert": (
            CLAIM, "INSERT", _claim_statements(vendor, [_row("NEW", claim_row)]),
            _counted("NEW"), ""),
        "pairing_need_deadline_tally_claim_delete": (
            CLAIM, "DELETE", _claim_statements(vendor, [_row("OLD", claim_row)]),
            _counted("OLD"), ""),
        "pairing_need_deadline_tally_claim_update": (
            CLAIM, "UPDATE OF status, need_id",
            _claim_statements(vendor, [_row("OLD", claim_row), _row("NEW", claim_row)]),
            f"({_differs('OLD', 'NEW', ('status', 'need_id'))}) "
            f"AND ({_counted('OLD')} OR {_counted('NEW')})", ""),
    })
    return triggers


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    with conn.cursor() as cursor:
        for name, (table, event, statements, when, referencing) in \
                _triggers(conn.vendor).items():
            trigger_sql.create_trigger(cursor, conn.vendor, name=name, table=table, event=event,
                                       statements=statements, when=when,
                                       referencing=referencing, always=True)


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py need_deadline_tally
    --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


def _recount(vendor):
    """SELECT of (village, deadline month, open, unfilled, waiting) for every cell with a
    figure above zero."""
    return _dialect(vendor, (
        f"SELECT village_org_id, deadline_month, SUM(open), SUM(unfilled), SUM(waiting) FROM ("
        f"SELECT n.village_org_id, {_month('n.deadline')} AS deadline_month, "
        f"CASE WHEN n.status = {PUBLISHED} THEN 1 ELSE 0 END AS open, "
        f"CASE WHEN {_UNFILLED} THEN 1 ELSE 0 END AS unfilled, {_WAITING} AS waiting "
        f"FROM {NEED} n) f GROUP BY 1, 2 "
        "HAVING SUM(open) > 0 OR SUM(unfilled) > 0 OR SUM(waiting) > 0"))


def rebuild(conn=None) -> int:
    """Recount the table from the needs and claims; rows written. On PostgreSQL the needs and
    claims are share-locked first (writers already running finish, new ones wait for the
    commit): a write meanwhile would recount a cell the rebuild is about to replace."""
    conn = conn or connection
    return trigger_sql.replace_rows(conn, TALLY, (*KEY, *FIGURES), _recount(conn.vendor),
                                    sources=(NEED, CLAIM))


def check(conn=None) -> dict:
    """{(village id, deadline month): (kept, recounted)} where the table and a recount differ;
    a row of zeros counts as absent. Read in one snapshot (portal.trigger_sql.one_snapshot)."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_recount(conn.vendor))
        counted = {(village, str(month)): tuple(int(n) for n in figures)
                   for village, month, *figures in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(KEY)}, {', '.join(FIGURES)} FROM {TALLY}")
        kept = {(village, str(month)): tuple(figures)
                for village, month, *figures in cursor.fetchall() if any(figures)}
    return {key: (kept.get(key), counted.get(key)) for key in set(kept) | set(counted)
            if kept.get(key) != counted.get(key)}
