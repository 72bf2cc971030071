"""Pairing figures per village (VillagePairingTally), per village and year (VillageYearTally)
and needs per village and year (NeedYearTally), kept by database triggers on the pairings,
agreements, projects, aid households, aid pairings and the needs' month tallies, as 结对共建统计
counts them:

- as of today, per village: its 共建中 pairings, and its households with an active aid pairing
  (帮扶户数); the village is covered (已结对村) while it has an active pairing;
- per village and year: its pairings with a filed agreement of the year (协议已备案), and the
  projects (and their budget) of the year's current agreement versions (no later version
  supersedes them), cancelled ones left out;
- per village and year: the sums of its needs' twelve NeedMonthTally rows (pairing.need_tally
  keeps those from the needs and claims). A table of its own, not columns of VillageYearTally:
  a need's trigger locks its month row, then the year row; an agreement filed locks its
  VillageYearTally row, then publishes needs — sharing the row would let the two wait for each
  other.

Each trigger works out which villages (village-years) its rows touch and recounts just those
from the raw rows, rather than adding deltas: the flags ("has a filed agreement", "has an active
aid pairing", "not superseded") then need no bookkeeping of the rows around them, and a row is
right whatever path wrote it (the services, the admin, the demo's bulk loads, the tests). On
PostgreSQL the triggers run per statement over transition tables (a bulk load recounts each
village once), first share-lock the parent rows through which they find their villages (an
agreement's pairing, a project's agreement and pairing, an aid pairing's household: a parent
moved meanwhile waits, or is waited for, see _parent_locks), insert missing rows with ON
CONFLICT DO NOTHING, then lock the rows concerned in id order and recount them in the next
statement: a second writer of the same village waits for the first to commit, and its recount,
a new statement, sees the first one's rows. They are
ENABLE ALWAYS, so a bulk load with session_replication_role = replica (portal.bulk_load, the
demo seed) counts too. SQLite runs row triggers, one row at a time, with the same recounts.

A village whose rows are gone keeps a row of zeros. `rebuild()` recounts the tables; `check()`
compares them with a recount (`manage.py village_tally`).
"""

import re

from django.db import connection, transaction

from pairing.models import (
    AgreementStatus,
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    NeedMonthTally,
    NeedYearTally,
    Pairing,
    PairingStatus,
    ProjectItem,
    ProjectStatus,
    VillagePairingTally,
    VillageYearTally,
)
from portal import trigger_sql

VILLAGE_TALLY = VillagePairingTally._meta.db_table
YEAR_TALLY = VillageYearTally._meta.db_table
NEED_YEAR_TALLY = NeedYearTally._meta.db_table
NEED_MONTHS = NeedMonthTally._meta.db_table
PAIRING = Pairing._meta.db_table
AGREEMENT = AnnualAgreement._meta.db_table
PROJECT = ProjectItem._meta.db_table
HOUSEHOLD = AidHousehold._meta.db_table
AID = AidPairing._meta.db_table
SOURCES = (PAIRING, AGREEMENT, PROJECT, HOUSEHOLD, AID, NEED_MONTHS)

# The figures of one tally row `t` (named as "= t." only), each a correlated count of the raw
# rows (index lookups: pairings and households by village, agreements by pairing, projects by
# agreement).
VILLAGE_FIGURES = {
    "active_pairings": (f"SELECT COUNT(*) FROM {PAIRING} p "
                        "WHERE p.village_org_id = t.village_org_id "
                 f"AND p.status = '{PairingStatus.ACTIVE}'"),
    "households": (f"SELECT COUNT(*) FROM {HOUSEHOLD} h "
                   "WHERE h.village_org_id = t.village_org_id AND EXISTS "
                   f"(SELECT 1 FROM {AID} ap WHERE ap.household_id = h.id AND ap.is_active)"),
}
_YEAR_PROJECTS = (f"FROM {PROJECT} pi JOIN {AGREEMENT} a ON a.id = pi.agreement_id "
                  f"JOIN {PAIRING} p ON p.id = a.pairing_id "
                  "WHERE p.village_org_id = t.village_org_id AND a.year = t.year "
                  f"AND pi.status <> '{ProjectStatus.CANCELLED}' AND NOT EXISTS "
                  f"(SELECT 1 FROM {AGREEMENT} s WHERE s.supersedes_id = a.id)")
YEAR_FIGURES = {
    "agreements_filed": (f"SELECT COUNT(*) FROM {PAIRING} p "
                         "WHERE p.village_org_id = t.village_org_id AND EXISTS "
                         f"(SELECT 1 FROM {AGREEMENT} a WHERE a.pairing_id = p.id "
                         f"AND a.year = t.year AND a.status = '{AgreementStatus.FILED}')"),
    "projects": f"SELECT COUNT(*) {_YEAR_PROJECTS}",
    "budget": f"SELECT COALESCE(SUM(pi.budget), 0) {_YEAR_PROJECTS}",
}
# A village's needs of a year: its month rows of the year (at most twelve, by village).
_NEED_MONTHS = (f"FROM {NEED_MONTHS} m WHERE m.village_org_id = t.village_org_id "
                "AND @year(m.month) = t.year")
NEED_YEAR_FIGURES = {name: f"SELECT COALESCE(SUM(m.{name}), 0) {_NEED_MONTHS}"
                     for name in ("published", "claimed", "confirmed")}
TALLIES = {VILLAGE_TALLY: (("village_org_id",), VILLAGE_FIGURES),
           YEAR_TALLY: (("village_org_id", "year"), YEAR_FIGURES),
           NEED_YEAR_TALLY: (("village_org_id", "year"), NEED_YEAR_FIGURES)}

# Every village (village-year) with raw rows: what rebuild() and check() recount.
ALL_KEYS = {
    VILLAGE_TALLY: (f"SELECT village_org_id FROM {PAIRING} "
                    f"UNION SELECT village_org_id FROM {HOUSEHOLD}"),
    YEAR_TALLY: (f"SELECT DISTINCT p.village_org_id, a.year FROM {AGREEMENT} a "
                 f"JOIN {PAIRING} p ON p.id = a.pairing_id"),
    NEED_YEAR_TALLY: (f"SELECT DISTINCT village_org_id, @year(month) AS year "
                      f"FROM {NEED_MONTHS}"),
}


def _keys_of(table, r):
    """{tally: SELECT of the keys} a row source `r` of `table` touches (r: a FROM item)."""
    if table == PAIRING:
        return {VILLAGE_TALLY: f"SELECT r.village_org_id FROM {r}",
                YEAR_TALLY: (f"SELECT r.village_org_id, a.year FROM {r} "
                             f"JOIN {AGREEMENT} a ON a.pairing_id = r.id")}
    if table == AGREEMENT:
        return {YEAR_TALLY: (f"SELECT p.village_org_id, r.year FROM {r} "
                             f"JOIN {PAIRING} p ON p.id = r.pairing_id "
                             # The version it supersedes: its projects leave or come back.
                             f"UNION SELECT p.village_org_id, s.year FROM {r} "
                             f"JOIN {AGREEMENT} s ON s.id = r.supersedes_id "
                             f"JOIN {PAIRING} p ON p.id = s.pairing_id")}
    if table == PROJECT:
        return {YEAR_TALLY: (f"SELECT p.village_org_id, a.year FROM {r} "
                             f"JOIN {AGREEMENT} a ON a.id = r.agreement_id "
                             f"JOIN {PAIRING} p ON p.id = a.pairing_id")}
    if table == HOUSEHOLD:
        return {VILLAGE_TALLY: f"SELECT r.village_org_id FROM {r}"}
    if table == NEED_MONTHS:
        return {NEED_YEAR_TALLY: f"SELECT r.village_org_id, @year(r.month) AS year FROM {r}"}
    return {VILLAGE_TALLY: (f"SELECT h.village_org_id FROM {r} "
                            f"JOIN {HOUSEHOLD} h ON h.id = r.household_id")}


# PostgreSQL: the parent rows through which a row source `r` of a table resolves its villages,
# as (parent table, SELECT of their ids), share-locked in this order (agreements before
# pairings, as a project reaches its pairing through its agreement) before any tally row.
PARENTS = {
    AGREEMENT: ((AGREEMENT, "SELECT r.supersedes_id FROM {r}"),
                (PAIRING, f"SELECT r.pairing_id FROM {{r}} UNION SELECT s.pairing_id FROM {{r}} "
                          f"JOIN {AGREEMENT} s ON s.id = r.supersedes_id")),
    PROJECT: ((AGREEMENT, "SELECT r.agreement_id FROM {r}"),
              (PAIRING, f"SELECT a.pairing_id FROM {{r}} JOIN {AGREEMENT} a "
                        "ON a.id = r.agreement_id")),
    AID: ((HOUSEHOLD, "SELECT r.household_id FROM {r}"),),
}


def _parent_locks(table, sources):
    """PostgreSQL: share-lock, in id order, the parent rows through which the row sources
    resolve their villages (an agreement's pairing, a project's agreement and its pairing, an
    aid pairing's household). A child's trigger reads the parent in its own snapshot: a
    pairing moved meanwhile by another transaction recounted the old and the new village
    without the child's uncommitted rows, and the child's trigger recounted the old village
    only (the new village's year row, new to both, went stale). Locked, a parent's update
    waits for the child's commit and its recount, a later statement, sees the child's rows;
    or the child waits for the update and resolves the new village in its next statement."""
    return [f"PERFORM 1 FROM {parent} WHERE id IN "
            f"({' UNION '.join(ids.format(r=source) for source in sources)}) "
            "ORDER BY id FOR SHARE;"
            for parent, ids in PARENTS.get(table, ())]


# The columns whose change moves a row's figures or keys (other updates recount nothing).
WATCHED = {
    PAIRING: ("status", "village_org_id"),
    AGREEMENT: ("status", "year", "pairing_id", "supersedes_id"),
    PROJECT: ("status", "budget", "agreement_id"),
    HOUSEHOLD: ("village_org_id",),
    AID: ("is_active", "household_id"),
    NEED_MONTHS: ("published", "claimed", "confirmed", "village_org_id", "month"),
}
# The columns the key queries read from a row.
READ = {
    PAIRING: ("id", "village_org_id"),
    AGREEMENT: ("pairing_id", "year", "supersedes_id"),
    PROJECT: ("agreement_id",),
    HOUSEHOLD: ("village_org_id",),
    AID: ("household_id",),
    NEED_MONTHS: ("village_org_id", "month"),
}


def _dialect(vendor, sql):
    """`sql` with @year(date) written for the database: the year of a date, as an integer."""
    year = (r"CAST(EXTRACT(YEAR FROM \1) AS integer)" if vendor == "postgresql"
            else r"CAST(strftime('%Y', \1) AS integer)")
    return re.sub(r"@year\(([^()]*)\)", year, sql)


def _refresh(vendor, tally, keys):
    """Statements recounting the rows of `tally` whose keys `keys` (a SELECT) yields."""
    columns, figures = TALLIES[tally]
    names = ", ".join(columns)
    key_list = ", ".join(f"k.{c}" for c in columns)
    chosen = f"({names}) IN (SELECT {key_list} FROM ({keys}) k)"
    statements = [
        f"INSERT INTO {tally} ({names}, {', '.join(figures)}) "
        f"SELECT DISTINCT {key_list}, {', '.join('0' for _ in figures)} FROM ({keys}) k "
        f"WHERE k.village_org_id IS NOT NULL ORDER BY {key_list} "
        f"ON CONFLICT ({names}) DO NOTHING;"]
    if vendor == "postgresql":
        statements.append(f"PERFORM 1 FROM {tally} WHERE {chosen} ORDER BY id FOR UPDATE;")
    # No alias on the updated table (SQLite's triggers take none): the figures name it.
    sets = ", ".join(f"{name} = ({sql.replace('= t.', f'= {tally}.')})"
                     for name, sql in figures.items())
    statements.append(f"UPDATE {tally} SET {sets} WHERE {chosen};")
    return [_dialect(vendor, statement) for statement in statements]


def _changed(vendor, table, old, new):
    """Whether a watched column changed (NULL-safe: supersedes_id)."""
    differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"{old}.{c} {differs} {new}.{c}" for c in WATCHED[table])


def _sqlite_row(table, row):
    """SQLite: the trigger's OLD or NEW row as a FROM item `r`."""
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in READ[table]) + ") r"


def _statements(vendor, table, sources):
    """Recount every tally row the row sources (FROM items named r) touch."""
    statements = []
    for tally in TALLIES:
        keys = [_keys_of(table, source).get(tally) for source in sources]
        keys = [k for k in keys if k]
        if keys:
            statements += _refresh(vendor, tally, " UNION ".join(keys))
    return statements


def _trigger_name(table, event):
    return f"{table}_village_tally_{event}"


EVENTS = ("insert", "delete", "update")
TRIGGERS = {_trigger_name(table, event): table for table in SOURCES for event in EVENTS}


def install_triggers(conn=None):
    conn = conn or connection
    drop_triggers(conn)
    vendor = conn.vendor
    with conn.cursor() as cursor:
        for table in SOURCES:
            for event in EVENTS:
                when = referencing = ""
                if vendor == "postgresql":
                    if event == "update":
                        # Transition tables admit no column list: the rows that changed.
                        changed = _changed(vendor, table, "o", "n")
                        sources = [f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
                                   f"WHERE {changed}) r",
                                   f"(SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
                                   f"WHERE {changed}) r"]
                        referencing = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
                    elif event == "insert":
                        sources, referencing = ["new_rows r"], "NEW TABLE AS new_rows"
                    else:
                        sources, referencing = ["old_rows r"], "OLD TABLE AS old_rows"
                    statements = (_parent_locks(table, sources)
                                  + _statements(vendor, table, sources))
                    clause = event.upper()
                else:
                    if event == "update":
                        rows = ("OLD", "NEW")
                        clause = f"UPDATE OF {', '.join(WATCHED[table])}"
                        when = _changed(vendor, table, "OLD", "NEW")
                    else:
                        rows = ("NEW",) if event == "insert" else ("OLD",)
                        clause = event.upper()
                    statements = _statements(vendor, table,
                                             [_sqlite_row(table, row) for row in rows])
                trigger_sql.create_trigger(cursor, vendor, name=_trigger_name(table, event),
                                           table=table, event=clause, statements=statements,
                                           when=when, referencing=referencing, always=True)


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS)


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py village_tally --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


def _recount(vendor, tally):
    """SELECT of (key..., figure...) for every village (village-year) with raw rows."""
    columns, figures = TALLIES[tally]
    sql = ", ".join(f"({sql})" for sql in figures.values())
    return _dialect(vendor, f"SELECT {', '.join(columns)}, {sql} FROM ({ALL_KEYS[tally]}) t")


def rebuild(conn=None) -> int:
    """Recount both tables from the raw rows; rows written. On PostgreSQL the sources are
    share-locked first (writers already running finish, new ones wait for the commit): a row
    saved meanwhile would recount a tally row the rebuild is about to replace."""
    conn = conn or connection
    written = 0
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(SOURCES)} IN SHARE MODE")
        for tally, (columns, figures) in TALLIES.items():
            cursor.execute(f"DELETE FROM {tally}")
            cursor.execute(f"INSERT INTO {tally} ({', '.join(columns)}, {', '.join(figures)}) "
                           f"{_recount(conn.vendor, tally)}")
            written += cursor.rowcount
    return written


def check(conn=None) -> dict:
    """{key: (kept, recounted)} where the tables and a recount differ; a key is ("村", village
    id) or ("年度", village id, year); rows of zeros count as absent. Read in one snapshot."""
    conn = conn or connection
    differing = {}
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        for tally, (columns, figures) in TALLIES.items():
            label = {VILLAGE_TALLY: "村", YEAR_TALLY: "年度", NEED_YEAR_TALLY: "需求年度"}[tally]
            width = len(columns)
            cursor.execute(_recount(conn.vendor, tally))
            counted = {(label, *row[:width]): _normalized(row[width:])
                       for row in cursor.fetchall() if any(row[width:])}
            cursor.execute(f"SELECT {', '.join(columns)}, {', '.join(figures)} FROM {tally}")
            kept = {(label, *row[:width]): _normalized(row[width:])
                    for row in cursor.fetchall() if any(row[width:])}
            for key in set(kept) | set(counted):
                if kept.get(key) != counted.get(key):
                    differing[key] = (kept.get(key), counted.get(key))
    return differing


def _normalized(values):
    """Figures as comparable values: counts as ints, a budget to the cent."""
    return tuple(round(float(v), 2) if isinstance(v, float) or not float(v).is_integer()
                 else int(v) for v in values)
