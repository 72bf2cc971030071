"""The unit matrix's cells for the whole tree (PairedUnitMonthTally), kept by database triggers.

A row (unit, month) holds what 规范性 单位 shows county-wide for one paired city organization
(ledger.compliance.UNIT_HELP): counted activities (submitted or confirmed) of the month that
are linked to one of its pairings, or logged by the unit itself, or logged by a village it is
actively paired with and joined by one of its people — each activity once. Rows exist only for
units the matrix lists (a city kind, at least one active pairing), so the page's column figures
sum a year of units x 12 rows instead of re-adding the org and unit tallies behind them.

What feeds a cell, and so what the triggers watch:
- an activity inserted or deleted while it counts, or updated so that whether it counts
  changes, or while it counts its organization, pairing or month changes (a confirmation,
  submitted to confirmed, feeds nothing): the cells of its pairing's unit, its organization
  and its participants' home organizations, in its old and new month;
- a participation added, removed or changed (its person's home organization, the month);
- a person moving to another organization (both organizations, every month);
- a pairing inserted, deleted, or changing status or sides (its unit, every month: whether
  the unit is listed, and which villages' activities count through its people);
- an organization changing kind (itself and the units actively paired with it, every month).
A person's other fields, an activity's title or content, and evidence feed nothing.

Each trigger recounts the cells concerned from the raw rows (a cell's count is three indexed
counts: by its pairings, by its own organization, by its paired villages with its people),
rather than adding differences: an activity counts once however many ways it links the unit,
and a recount needs no rule for that. On PostgreSQL a trigger first share-locks the rows that
decide which cells it touches (participants, pairings, the units), then locks the cells
(INSERT ... ON CONFLICT DO UPDATE, in (unit, month) order) and recounts them in a later
statement, whose snapshot sees what any transaction that held those cells committed: two saves
in one unit-month are counted one after the other, the second seeing the first. A move, a
pairing or a kind change locks its units (FOR NO KEY UPDATE) before recounting them, so it
waits for saves counting those units, or they for it. Deleting statements only recount cells
that exist (a count never rises on a delete; SQLite's test flush empties tables one by one and
must not get rows pointing at organizations deleted next). SQLite serialises writers and runs
the same recounts per row, with no locks.

`paused()` turns the triggers off for a bulk load (the demo seed), after which `rebuild()`
recounts; `check()` compares the table with a grouped recount of the raw rows
(`manage.py unit_tally --check | --rebuild`).
"""

import functools

from django.db import connection

from ledger.models import Activity, ActivityStatus, PairedUnitMonthTally, Participation
from pairing.models import Pairing, PairingStatus
from portal import trigger_sql
from portal.models import Organization, Person
from portal.models.orgs import CITY_KINDS, OrgKind

TALLY = PairedUnitMonthTally._meta.db_table
ACTIVITY = Activity._meta.db_table
PARTICIPATION = Participation._meta.db_table
PERSON = Person._meta.db_table
ORG = Organization._meta.db_table
PAIRING = Pairing._meta.db_table
PAUSE_SETTING = "ledger.unit_tally_paused"

COUNTED = "(" + ", ".join(f"'{s}'" for s in (ActivityStatus.SUBMITTED,
                                             ActivityStatus.CONFIRMED)) + ")"
CITY = "(" + ", ".join(f"'{kind.value}'" for kind in CITY_KINDS) + ")"
VILLAGE = f"'{OrgKind.VILLAGE.value}'"
ACTIVE = f"'{PairingStatus.ACTIVE.value}'"

TRIGGERS = {  # name: table
    "ledger_unit_tally_activity_insert": ACTIVITY,
    "ledger_unit_tally_activity_update": ACTIVITY,
    "ledger_unit_tally_activity_delete": ACTIVITY,
    "ledger_unit_tally_participation_insert": PARTICIPATION,
    "ledger_unit_tally_participation_update": PARTICIPATION,
    "ledger_unit_tally_participation_delete": PARTICIPATION,
    "ledger_unit_tally_person_move": PERSON,
    "ledger_unit_tally_pairing_insert": PAIRING,
    "ledger_unit_tally_pairing_update": PAIRING,
    "ledger_unit_tally_pairing_delete": PAIRING,
    "ledger_unit_tally_org_kind": ORG,
}


def _month(vendor, expr):
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', CAST({expr} AS timestamp)) AS date)"
    return f"date({expr}, 'start of month')"


def _next_month(vendor, expr):
    if vendor == "postgresql":
        return f"CAST({expr} + interval '1 month' AS date)"
    return f"date({expr}, '+1 month')"


def _listed(unit):
    """SQL: whether the organization `unit` is a row of the matrix (a city kind, paired)."""
    return (f"EXISTS (SELECT 1 FROM {ORG} u WHERE u.id = {unit} AND u.kind IN {CITY}) "
            f"AND EXISTS (SELECT 1 FROM {PAIRING} p WHERE p.city_org_id = {unit} "
            f"AND p.status = {ACTIVE})")


def _cell_count(vendor, unit, month):
    """SQL: the count of the cell (`unit`, `month`), three disjoint parts as UNIT_HELP."""
    counted = (f"a.status IN {COUNTED} AND a.date >= {month} "
               f"AND a.date < {_next_month(vendor, month)}")
    pairings = f"SELECT id FROM {PAIRING} WHERE city_org_id = {unit}"
    not_theirs = f"COALESCE(a.pairing_id, 0) NOT IN ({pairings})"
    # Its month as an expression, not a date range: the range would draw the planner to the
    # date index (a month of every activity) rather than the pairings' few dozen activities.
    by_pairing = (f"SELECT COUNT(*) FROM {ACTIVITY} a WHERE a.pairing_id IN ({pairings}) "
                  f"AND a.status IN {COUNTED} AND {_month(vendor, 'a.date')} = {month}")
    own = f"SELECT COUNT(*) FROM {ACTIVITY} a WHERE a.org_id = {unit} AND {counted} " \
          f"AND {not_theirs}"
    with_people = (
        f"SELECT COUNT(*) FROM {ACTIVITY} a WHERE a.org_id IN (SELECT village_org_id "
        f"FROM {PAIRING} WHERE city_org_id = {unit} AND status = {ACTIVE}) AND {counted} "
        f"AND {not_theirs} AND EXISTS (SELECT 1 FROM {ORG} v WHERE v.id = a.org_id "
        f"AND v.kind = {VILLAGE}) AND EXISTS (SELECT 1 FROM {PARTICIPATION} pa "
        f"JOIN {PERSON} pe ON pe.id = pa.person_id WHERE pa.activity_id = a.id "
        f"AND pe.home_org_id = {unit})")
    return (f"(CASE WHEN {_listed(unit)} THEN ({by_pairing}) + ({own}) + ({with_people}) "
            f"ELSE 0 END)")


def _recount_select(vendor, units_sql=None):
    """SELECT (unit, month, activities) of every listed unit (of `units_sql`, all when None)
    from the raw rows, grouped: the rebuild's and the check's recount."""
    month = _month(vendor, "a.date")

    def only(column):
        return f" AND {column} IN ({units_sql})" if units_sql else ""

    by_pairing = (f"SELECT p.city_org_id AS unit_id, {month} AS month, COUNT(*) AS n "
                  f"FROM {ACTIVITY} a JOIN {PAIRING} p ON p.id = a.pairing_id "
                  f"WHERE a.status IN {COUNTED}{only('p.city_org_id')} GROUP BY 1, 2")
    own = (f"SELECT a.org_id, {month}, COUNT(*) FROM {ACTIVITY} a WHERE a.status IN {COUNTED} "
           f"AND a.org_id IN (SELECT city_org_id FROM {PAIRING} WHERE status = {ACTIVE})"
           f"{only('a.org_id')} AND NOT EXISTS (SELECT 1 FROM {PAIRING} q "
           f"WHERE q.id = a.pairing_id AND q.city_org_id = a.org_id) GROUP BY 1, 2")
    paired = (f"p.status = {ACTIVE} AND v.kind = {VILLAGE} AND a.status IN {COUNTED} "
              f"AND NOT EXISTS (SELECT 1 FROM {PAIRING} q WHERE q.id = a.pairing_id "
              f"AND q.city_org_id = p.city_org_id)")
    if units_sql:  # from the units' people (a recount of a few units)
        # OFFSET 0 keeps PostgreSQL from planning it from the paired villages' activities
        # instead (54,000 participations read for a move at city scale: 230 ms).
        fence = " OFFSET 0" if vendor == "postgresql" else ""
        with_people = (
            f"SELECT k.unit_id, {month}, COUNT(*) FROM (SELECT DISTINCT pa.activity_id, "
            f"pe.home_org_id AS unit_id FROM {PERSON} pe JOIN {PARTICIPATION} pa "
            f"ON pa.person_id = pe.id WHERE pe.home_org_id IN ({units_sql}){fence}) k "
            f"JOIN {ACTIVITY} a ON a.id = k.activity_id JOIN {ORG} v ON v.id = a.org_id "
            f"JOIN {PAIRING} p ON p.city_org_id = k.unit_id AND p.village_org_id = a.org_id "
            f"WHERE {paired} GROUP BY 1, 2")
    else:  # from the pairings (every unit: one active pairing per unit and village at most)
        with_people = (
            f"SELECT p.city_org_id, {month}, COUNT(*) FROM {ACTIVITY} a "
            f"JOIN {ORG} v ON v.id = a.org_id JOIN {PAIRING} p ON p.village_org_id = a.org_id "
            f"WHERE {paired} AND EXISTS (SELECT 1 FROM {PARTICIPATION} pa JOIN {PERSON} pe "
            f"ON pe.id = pa.person_id WHERE pa.activity_id = a.id "
            f"AND pe.home_org_id = p.city_org_id) GROUP BY 1, 2")
    return (f"SELECT x.unit_id, x.month, SUM(x.n) FROM ({by_pairing} UNION ALL {own} "
            f"UNION ALL {with_people}) x WHERE {_listed('x.unit_id')} GROUP BY 1, 2")


# --- What a trigger recounts -----------------------------------------------------------------

def _activity_units(row):
    """SELECT of the organizations whose cells the activity `row` (NEW/OLD) may count in."""
    return (f"SELECT city_org_id AS unit_id FROM {PAIRING} WHERE id = {row}.pairing_id "
            f"UNION SELECT {row}.org_id UNION SELECT pe.home_org_id FROM {PARTICIPATION} pa "
            f"JOIN {PERSON} pe ON pe.id = pa.person_id WHERE pa.activity_id = {row}.id")


def _activity_cells(vendor, row):
    return (f"SELECT unit_id, {_month(vendor, f'{row}.date')} AS month "
            f"FROM ({_activity_units(row)}) k WHERE {row}.status IN {COUNTED}")


def _participation_cells(vendor, rows):
    """SELECT of the cells of the participations `rows`: NEW/OLD on SQLite, a transition
    table (or a SELECT of one, in parentheses) on PostgreSQL."""
    if rows in ("NEW", "OLD"):
        source = (f"FROM {PERSON} pe, {ACTIVITY} a WHERE pe.id = {rows}.person_id "
                  f"AND a.id = {rows}.activity_id")
    else:
        source = (f"FROM {rows} r, {PERSON} pe, {ACTIVITY} a WHERE pe.id = r.person_id "
                  f"AND a.id = r.activity_id")
    return (f"SELECT DISTINCT pe.home_org_id AS unit_id, {_month(vendor, 'a.date')} AS month "
            f"{source} AND a.status IN {COUNTED}")


def _recount_cells(vendor, cells, *, add):
    """Statements recounting the cells `cells` (a SELECT of unit_id, month): with `add`,
    those of listed units are created first (at 0); without, only existing ones change."""
    statements = []
    in_cells = f"({TALLY}.unit_id, {TALLY}.month) IN (SELECT unit_id, month FROM ({cells}) c)"
    if add:
        new = f"SELECT DISTINCT unit_id, month, 0 FROM ({cells}) c WHERE {_listed('c.unit_id')}"
        if vendor == "postgresql":
            statements.append(f"INSERT INTO {TALLY} (unit_id, month, activities) {new} "
                              f"ORDER BY 1, 2 ON CONFLICT (unit_id, month) "
                              f"DO UPDATE SET activities = {TALLY}.activities")
        else:
            statements.append(f"INSERT OR IGNORE INTO {TALLY} (unit_id, month, activities) {new}")
    if vendor == "postgresql":
        statements.append(f"PERFORM 1 FROM {TALLY} WHERE {in_cells} "
                          f"ORDER BY unit_id, month FOR UPDATE")
    statements.append(f"UPDATE {TALLY} SET activities = "
                      f"{_cell_count(vendor, f'{TALLY}.unit_id', f'{TALLY}.month')} "
                      f"WHERE {in_cells}")
    return statements


def _recount_units(vendor, units_sql, *, add):
    """Statements recounting every month of the units `units_sql`: with `add`, their rows are
    replaced by a grouped recount; without, only existing rows change."""
    if vendor == "postgresql":
        lock = [f"PERFORM 1 FROM {ORG} WHERE id IN ({units_sql}) ORDER BY id FOR NO KEY UPDATE"]
    else:
        lock = []
    if not add:
        return lock + [f"UPDATE {TALLY} SET activities = "
                       f"{_cell_count(vendor, f'{TALLY}.unit_id', f'{TALLY}.month')} "
                       f"WHERE unit_id IN ({units_sql})"]
    # A save in progress may have added a cell the DELETE cannot see: it is waited for.
    upsert = " ON CONFLICT (unit_id, month) DO UPDATE SET activities = excluded.activities" \
        if vendor == "postgresql" else ""
    return lock + [
        f"DELETE FROM {TALLY} WHERE unit_id IN ({units_sql})",
        f"INSERT INTO {TALLY} (unit_id, month, activities) "
        f"{_recount_select(vendor, units_sql)}{upsert}",
    ]


def _paired_with(orgs_sql):
    """SELECT of the units actively paired with the organizations `orgs_sql`, and those."""
    return (f"SELECT city_org_id FROM {PAIRING} WHERE status = {ACTIVE} "
            f"AND village_org_id IN ({orgs_sql}) UNION {orgs_sql}")


def _share_locks(people_sql, pairings_sql, orgs_sql):
    """PostgreSQL: share-lock what decides which cells a save touches, in id order: a move, a
    pairing change or a kind change then waits for the save or the save for it."""
    locks = [(PERSON, people_sql), (PAIRING, pairings_sql), (ORG, orgs_sql)]
    return [f"PERFORM 1 FROM {table} WHERE id IN ({ids}) ORDER BY id FOR SHARE"
            for table, ids in locks if ids]


# --- SQLite ----------------------------------------------------------------------------------

def _sqlite_triggers():
    def trigger(name, event, when, statements):
        condition = f" WHEN {when}" if when else ""
        body = "".join(f"{statement}; " for statement in statements)
        return f"CREATE TRIGGER {name} {event} ON {TRIGGERS[name]}{condition} BEGIN {body}END"

    def activity(row, add):
        return _recount_cells("sqlite", _activity_cells("sqlite", row), add=add)

    def participation(row, add):
        return _recount_cells("sqlite", _participation_cells("sqlite", row), add=add)

    def pairing_units(rows):
        return ", ".join(f"{row}.city_org_id" for row in rows)

    return [
        trigger("ledger_unit_tally_activity_insert", "AFTER INSERT",
                f"NEW.status IN {COUNTED}", activity("NEW", True)),
        trigger("ledger_unit_tally_activity_update",
                "AFTER UPDATE OF status, org_id, pairing_id, date", _activity_changed("sqlite"),
                activity("OLD", False) + activity("NEW", True)),
        trigger("ledger_unit_tally_activity_delete", "AFTER DELETE",
                f"OLD.status IN {COUNTED}", activity("OLD", False)),
        trigger("ledger_unit_tally_participation_insert", "AFTER INSERT", "",
                participation("NEW", True)),
        trigger("ledger_unit_tally_participation_update",
                "AFTER UPDATE OF activity_id, person_id",
                "OLD.activity_id <> NEW.activity_id OR OLD.person_id <> NEW.person_id",
                participation("OLD", False) + participation("NEW", True)),
        trigger("ledger_unit_tally_participation_delete", "AFTER DELETE", "",
                participation("OLD", False)),
        trigger("ledger_unit_tally_person_move", "AFTER UPDATE OF home_org_id",
                "OLD.home_org_id <> NEW.home_org_id",
                _recount_units("sqlite", "OLD.home_org_id, NEW.home_org_id", add=True)),
        trigger("ledger_unit_tally_pairing_insert", "AFTER INSERT", "",
                _recount_units("sqlite", pairing_units(["NEW"]), add=True)),
        trigger("ledger_unit_tally_pairing_update",
                "AFTER UPDATE OF status, city_org_id, village_org_id", _PAIRING_CHANGED,
                _recount_units("sqlite", pairing_units(["OLD", "NEW"]), add=True)),
        trigger("ledger_unit_tally_pairing_delete", "AFTER DELETE", "",
                _recount_units("sqlite", pairing_units(["OLD"]), add=False)),
        trigger("ledger_unit_tally_org_kind", "AFTER UPDATE OF kind", "OLD.kind <> NEW.kind",
                _recount_units("sqlite", _paired_with("SELECT NEW.id"), add=True)),
    ]


_PAIRING_CHANGED = ("OLD.status <> NEW.status OR OLD.city_org_id <> NEW.city_org_id "
                    "OR OLD.village_org_id <> NEW.village_org_id")


def _activity_changed(vendor):
    """WHEN an update changes what an activity counts for: whether it counts, or (counting)
    its organization, pairing or month. A confirmation (submitted -> confirmed) changes
    nothing, so a batch of them recounts and locks no cell."""
    old_counted, new_counted = (f"{row}.status IN {COUNTED}" for row in ("OLD", "NEW"))
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return (f"({old_counted}) <> ({new_counted}) OR ({new_counted} AND ("
            f"OLD.org_id <> NEW.org_id OR OLD.pairing_id {distinct} NEW.pairing_id "
            f"OR {_month(vendor, 'OLD.date')} <> {_month(vendor, 'NEW.date')}))")


# --- PostgreSQL ------------------------------------------------------------------------------

_pg_function = functools.partial(trigger_sql.pg_function, paused_by=PAUSE_SETTING)


def _pg_objects():
    """[(function name, CREATE FUNCTION, [CREATE TRIGGER])] for PostgreSQL."""
    pg = "postgresql"

    activity_locks = _share_locks(
        f"SELECT person_id FROM {PARTICIPATION} WHERE activity_id IN (OLD.id, NEW.id)",
        "OLD.pairing_id, NEW.pairing_id",  # NULL on insert or delete, or without a pairing
        f"SELECT unit_id FROM ({_activity_units('OLD')}) o "
        f"UNION SELECT unit_id FROM ({_activity_units('NEW')}) n")
    old_cells = _recount_cells(pg, _activity_cells(pg, "OLD"), add=False)
    new_cells = _recount_cells(pg, _activity_cells(pg, "NEW"), add=True)
    activity = (
        f"CREATE OR REPLACE FUNCTION ledger_unit_tally_activity() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"  IF current_setting('{PAUSE_SETTING}', true) = 'on' THEN RETURN NULL; END IF;\n"
        + "".join(f"  {s};\n" for s in activity_locks)
        + "  IF TG_OP <> 'INSERT' THEN\n" + "".join(f"    {s};\n" for s in old_cells)
        + "  END IF;\n  IF TG_OP <> 'DELETE' THEN\n" + "".join(f"    {s};\n" for s in new_cells)
        + "  END IF;\n  RETURN NULL;\nEND $$")
    activity_triggers = [
        f"CREATE TRIGGER ledger_unit_tally_activity_insert AFTER INSERT ON {ACTIVITY} "
        f"FOR EACH ROW WHEN (NEW.status IN {COUNTED}) "
        "EXECUTE FUNCTION ledger_unit_tally_activity()",
        f"CREATE TRIGGER ledger_unit_tally_activity_update "
        f"AFTER UPDATE OF status, org_id, pairing_id, date ON {ACTIVITY} FOR EACH ROW "
        f"WHEN ({_activity_changed(pg)}) EXECUTE FUNCTION ledger_unit_tally_activity()",
        f"CREATE TRIGGER ledger_unit_tally_activity_delete AFTER DELETE ON {ACTIVITY} "
        f"FOR EACH ROW WHEN (OLD.status IN {COUNTED}) "
        "EXECUTE FUNCTION ledger_unit_tally_activity()",
    ]

    def participation(old, new):
        units = " UNION ".join(f"SELECT unit_id FROM ({_participation_cells(pg, rows)}) c"
                               for rows in (old, new) if rows)
        people = " UNION ".join(f"SELECT person_id FROM {rows} x" for rows in (old, new) if rows)
        statements = _share_locks(people, None, units)
        if old:
            statements += _recount_cells(pg, _participation_cells(pg, old), add=False)
        if new:
            statements += _recount_cells(pg, _participation_cells(pg, new), add=True)
        return statements

    def statement_trigger(name, event, referencing, statements, guard=""):
        return (name, _pg_function(name, statements, guard=guard),
                [f"CREATE TRIGGER {name} AFTER {event} ON {TRIGGERS[name]} REFERENCING "
                 f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"])

    both = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    changed_participations = ("(SELECT r.* FROM old_rows r JOIN new_rows s ON s.id = r.id "
                              "WHERE r.activity_id <> s.activity_id "
                              "OR r.person_id <> s.person_id)")
    changed_new = ("(SELECT s.* FROM old_rows r JOIN new_rows s ON s.id = r.id "
                   "WHERE r.activity_id <> s.activity_id OR r.person_id <> s.person_id)")

    def changed(columns, side="s"):
        differs = " OR ".join(f"r.{c} <> s.{c}" for c in columns)
        return f"SELECT {side}.* FROM old_rows r JOIN new_rows s ON s.id = r.id WHERE {differs}"

    moved = (f"SELECT home_org_id FROM ({changed(['home_org_id'], 'r')}) m "
             f"UNION SELECT home_org_id FROM ({changed(['home_org_id'])}) m")
    pairing_sides = ["status", "city_org_id", "village_org_id"]
    pairing_units = (f"SELECT city_org_id FROM ({changed(pairing_sides, 'r')}) m "
                     f"UNION SELECT city_org_id FROM ({changed(pairing_sides)}) m")
    kinds = _paired_with(f"SELECT id FROM ({changed(['kind'])}) k")

    def guard(select):
        return f"  IF NOT EXISTS ({select}) THEN RETURN NULL; END IF;\n"

    return [
        ("ledger_unit_tally_activity", activity, activity_triggers),
        statement_trigger("ledger_unit_tally_participation_insert", "INSERT",
                          "NEW TABLE AS new_rows", participation(None, "new_rows")),
        statement_trigger("ledger_unit_tally_participation_update", "UPDATE", both,
                          participation(changed_participations, changed_new),
                          guard(changed(["activity_id", "person_id"]))),
        statement_trigger("ledger_unit_tally_participation_delete", "DELETE",
                          "OLD TABLE AS old_rows", participation("old_rows", None)),
        statement_trigger("ledger_unit_tally_person_move", "UPDATE", both,
                          _recount_units(pg, moved, add=True), guard(changed(["home_org_id"]))),
        statement_trigger("ledger_unit_tally_pairing_insert", "INSERT", "NEW TABLE AS new_rows",
                          _recount_units(pg, "SELECT city_org_id FROM new_rows", add=True)),
        statement_trigger("ledger_unit_tally_pairing_update", "UPDATE", both,
                          _recount_units(pg, pairing_units, add=True),
                          guard(changed(pairing_sides))),
        statement_trigger("ledger_unit_tally_pairing_delete", "DELETE", "OLD TABLE AS old_rows",
                          _recount_units(pg, "SELECT city_org_id FROM old_rows", add=False)),
        statement_trigger("ledger_unit_tally_org_kind", "UPDATE", both,
                          _recount_units(pg, kinds, add=True), guard(changed(["kind"]))),
    ]


# --- Installing, pausing, recounting ---------------------------------------------------------

def install_triggers(conn=None):
    """Create (or re-create) the triggers on `conn`'s database."""
    conn = conn or connection
    drop_triggers(conn)
    trigger_sql.install(conn, _pg_objects, _sqlite_triggers)


def drop_triggers(conn=None):
    trigger_sql.drop_triggers(conn or connection, TRIGGERS,
                              functions=[name for name, _function, _triggers in _pg_objects()])


def missing_triggers(conn=None) -> list:
    """Those of TRIGGERS absent from `conn`'s database (`manage.py unit_tally --check`)."""
    return trigger_sql.missing_triggers(conn or connection, TRIGGERS)


def triggers_present(conn=None) -> bool:
    return not missing_triggers(conn)


def paused():
    """Triggers off for a bulk load in this connection; call rebuild() after it."""
    return trigger_sql.paused(PAUSE_SETTING, drop=drop_triggers, install=install_triggers)


def rebuild(conn=None) -> int:
    """Recount the table from the raw rows; rows written. On PostgreSQL the source tables are
    share-locked first (writers already running finish, new ones wait for the commit), so no
    save updates a row the rebuild has deleted while its recount cannot see the save."""
    conn = conn or connection
    return trigger_sql.replace_rows(conn, TALLY, ("unit_id", "month", "activities"),
                                    _recount_select(conn.vendor),
                                    sources=(ACTIVITY, PARTICIPATION, PERSON, PAIRING, ORG))


def check(conn=None) -> dict:
    """{(unit id, month): (kept, recounted)} where the table and a recount differ (a row kept
    at 0 counts as absent); both read in one snapshot."""
    conn = conn or connection
    with trigger_sql.one_snapshot(conn), conn.cursor() as cursor:
        cursor.execute(_recount_select(conn.vendor))
        counted = {(unit, str(month)): int(n) for unit, month, n in cursor.fetchall() if n}
        cursor.execute(f"SELECT unit_id, month, activities FROM {TALLY} WHERE activities <> 0")
        kept = {(unit, str(month)): n for unit, month, n in cursor.fetchall()}
    return {key: (kept.get(key, 0), counted.get(key, 0)) for key in set(kept) | set(counted)
            if kept.get(key, 0) != counted.get(key, 0)}
