"""Monthly tallies (月度汇总) behind the compliance matrices, kept by database triggers.

Three tables (ledger.models) hold, per month (its first day), what the matrices count:

- OrgMonthTally (org, pairing, month): counted activities of the org linked to the pairing
  (0 for none), and their participations (person-times: 每月调度 and the county home sum these
  over a month's few thousand org rows instead of its ~130,000 person rows at city scale);
- PersonMonthTally (person, org, month): counted activities of the org the person took part in;
- UnitMonthTally (unit, org, pairing, month): counted activities of the org (per pairing) that
  at least one person whose home organization is `unit` took part in;
- TalentMonthTally (person, month): counted activities of village organizations a city talent
  took part in (all villages together; rows only for active people who are city talents);
- TalentMonthTotal (month, bucket): talents active (talent tallies above 0) and their
  participations, a month's figures being the sum of its buckets; a trigger on the talent
  tally itself keeps them, whatever wrote the talent tally.

"Counted" is COUNTED_STATUSES (submitted or confirmed), as ActivityQuerySet.counted().

Triggers rather than calls in the services: every path that writes these rows — the services,
batch actions, the admin, bulk inserts of the demo and the tests, the people import moving a
person to another organization (a bulk UPDATE), a pairing deleted (SET NULL on its activities)
— changes the tallies in the same transaction, and no Python path can forget to. On PostgreSQL
the tallies change by `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`, so two
secretaries saving in the same org-month at once both count (the row lock orders them);
participations are handled per statement with transition tables, so deleting two people of one
unit from an activity in one statement takes the unit's activity away once. SQLite runs its
row triggers one row at a time, which gives the same figures.

A person moving to another organization recounts the unit tallies of the two organizations
(rare, and correct whatever the order of rows in a bulk update); a person becoming or ceasing
to be a city talent, leaving or returning (is_active), or an organization changing kind,
recounts the talent tallies of the people concerned. A recount sees only committed rows (READ
COMMITTED), and a save counts by the home organizations, flags and kinds it sees, so on
PostgreSQL the activity and participation triggers first share-lock every participant of the
activities they count and the activities' organizations (`_locks`): the move, flag or kind
change waits for a save in progress, or the save for it, and neither misses the other's rows.
A transaction that already wrote tallies in an earlier statement may instead deadlock with
such a recount; PostgreSQL then cancels one of the two, and nothing is counted wrong. SQLite
serialises writers and needs no locks.

`paused()` turns the triggers off for a bulk load (the demo's COPY of millions of
participations), after which `rebuild_tallies()` recounts with grouped INSERT ... SELECT;
`check_tallies()` compares the tables with a recount of the raw rows, `check_talent_totals()` the
talent totals with a recount of the talent tallies (`manage.py ledger_tallies` runs both).

The township roll-up of the org tally (TownshipMonthTally, ledger/township_tally.py) is kept by
triggers on the org tally itself; this module installs, drops, pauses and rebuilds them with
its own.
"""

import contextlib
import datetime
import functools

from django.db import connection, transaction

from ledger import township_tally
from ledger.models import (
    TALENT_TOTAL_BUCKETS,
    Activity,
    ActivityStatus,
    OrgMonthTally,
    Participation,
    PersonMonthTally,
    TalentMonthTally,
    TalentMonthTotal,
    UnitMonthTally,
)
from portal import trigger_sql
from portal.models import Organization, Person
from portal.models.orgs import OrgKind

COUNTED = (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
PAUSE_SETTING = "ledger.tallies_paused"

ACTIVITY = Activity._meta.db_table
PARTICIPATION = Participation._meta.db_table
PERSON = Person._meta.db_table
ORG = Organization._meta.db_table
ORG_TALLY = OrgMonthTally._meta.db_table
PERSON_TALLY = PersonMonthTally._meta.db_table
UNIT_TALLY = UnitMonthTally._meta.db_table
TALENT_TALLY = TalentMonthTally._meta.db_table
TALENT_TOTAL = TalentMonthTotal._meta.db_table

# table: (key columns, count columns)
TABLES = {
    ORG_TALLY: (("org_id", "pairing_id", "month"), ("activities", "participations")),
    PERSON_TALLY: (("person_id", "org_id", "month"), ("participations",)),
    UNIT_TALLY: (("unit_id", "org_id", "pairing_id", "month"), ("activities",)),
    TALENT_TALLY: (("person_id", "month"), ("participations",)),
}
# The org tally's participations (migration 0014 added the column); statements writing them
# carry this mark, so the triggers of an older schema leave them out (install_triggers).
ORG_PARTICIPATIONS = f"/* {ORG_TALLY}.participations */"
MODELS = {ORG_TALLY: OrgMonthTally, PERSON_TALLY: PersonMonthTally, UNIT_TALLY: UnitMonthTally,
          TALENT_TALLY: TalentMonthTally}

_COUNTED_SQL = "(" + ", ".join(f"'{status}'" for status in COUNTED) + ")"
# What a talent tally counts, given the person `pe` and the activity's organization `o`.
_TALENT_SQL = f"pe.is_city_talent AND pe.is_active AND o.kind = '{OrgKind.VILLAGE.value}'"


def _month(vendor, expr):
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', CAST({expr} AS timestamp)) AS date)"
    return f"date({expr}, 'start of month')"


def _insert(table, select, vendor, counts=None):
    """INSERT ... SELECT adding the selected counts (the columns `counts`, by default the
    table's first) to the table's rows (upsert)."""
    keys, columns = TABLES[table]
    counts = counts or columns[:1]
    order = f" ORDER BY {', '.join(str(i + 1) for i in range(len(keys)))}" \
        if vendor == "postgresql" else ""  # one lock order, so concurrent upserts never deadlock
    updates = ", ".join(f"{count} = {table}.{count} + excluded.{count}" for count in counts)
    return (f"INSERT INTO {table} ({', '.join((*keys, *counts))}) {select}{order} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")


def _decrement(table, select):
    """SQLite: take one off the rows `select` names (its rows end in the literal -1) without
    ever inserting one. A row missing here means its table was emptied first — Django's test
    flush deletes table by table, tallies before activities — and an upsert would write a
    -1 row pointing at organizations deleted next, which fails the flush's foreign keys."""
    keys, (count, *_) = TABLES[table]
    return f"UPDATE {table} SET {count} = {count} - 1 WHERE ({', '.join(keys)}, -1) IN ({select})"


def _org_participations(vendor, keys_select, amount, delta):
    """Add `delta` x `amount` (an SQL expression) to the participations of the org tally rows
    `keys_select` names (org, pairing, month). SQLite takes away by UPDATE only (see
    _decrement)."""
    if vendor == "sqlite" and delta == -1:
        return (f"UPDATE {ORG_TALLY} SET participations = participations - ({amount}) "
                f"WHERE (org_id, pairing_id, month) IN ({keys_select}) {ORG_PARTICIPATIONS}")
    # WHERE: SQLite reads an upsert's ON after a bare FROM as a join's.
    select = f"SELECT k.*, 0, {delta} * ({amount}) FROM ({keys_select}) k WHERE 1 = 1"
    return (_insert(ORG_TALLY, select, vendor, ("activities", "participations"))
            + f" {ORG_PARTICIPATIONS}")


def _add(table, select, vendor, delta):
    if vendor == "sqlite" and delta == -1:
        return _decrement(table, select)
    return _insert(table, select, vendor)


# --- Activities (row triggers on both databases) -----------------------------------------------

def _activity_statements(vendor, row, delta):
    """Add `delta` for the activity `row` (NEW or OLD) to the tallies, if it counts."""
    month = _month(vendor, f"{row}.date")
    pairing = f"COALESCE({row}.pairing_id, 0)"
    counted = f"{row}.status IN {_COUNTED_SQL}"
    return [
        _add(ORG_TALLY, f"SELECT {row}.org_id, {pairing}, {month}, {delta} WHERE {counted}",
             vendor, delta),
        # After the row above exists: the activity's participants (none yet on an insert).
        _org_participations(vendor, f"SELECT {row}.org_id, {pairing}, {month} WHERE {counted} "
                            f"AND EXISTS (SELECT 1 FROM {PARTICIPATION} WHERE activity_id = "
                            f"{row}.id)",
                            f"SELECT COUNT(*) FROM {PARTICIPATION} WHERE activity_id = {row}.id",
                            delta),
        _add(PERSON_TALLY,
             f"SELECT pa.person_id, {row}.org_id, {month}, {delta} FROM {PARTICIPATION} pa "
             f"WHERE pa.activity_id = {row}.id AND {counted}", vendor, delta),
        _add(UNIT_TALLY,
             f"SELECT DISTINCT pe.home_org_id, {row}.org_id, {pairing}, {month}, {delta} "
             f"FROM {PARTICIPATION} pa, {PERSON} pe "
             f"WHERE pe.id = pa.person_id AND pa.activity_id = {row}.id AND {counted}", vendor,
             delta),
        _add(TALENT_TALLY,
             f"SELECT pa.person_id, {month}, {delta} FROM {PARTICIPATION} pa, {PERSON} pe, "
             f"{ORG} o WHERE pe.id = pa.person_id AND o.id = {row}.org_id "
             f"AND pa.activity_id = {row}.id AND {counted} AND {_TALENT_SQL}", vendor, delta),
    ]


def _activity_changed(vendor):
    """WHEN an update changes what an activity counts for."""
    old_counted, new_counted = (f"{r}.status IN {_COUNTED_SQL}" for r in ("OLD", "NEW"))
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return (f"({old_counted}) <> ({new_counted}) OR ({new_counted} AND ("
            f"OLD.org_id <> NEW.org_id OR OLD.pairing_id {distinct} NEW.pairing_id OR "
            f"{_month(vendor, 'OLD.date')} <> {_month(vendor, 'NEW.date')}))")


# --- Participations ------------------------------------------------------------------------------

def _participation_row_statements(row, delta):
    """SQLite: add `delta` for one participation `row` (NEW or OLD); the unit's count changes
    only when no other participant of the activity has the same home organization."""
    month = _month("sqlite", "a.date")
    counted = f"a.status IN {_COUNTED_SQL}"
    return [
        _org_participations("sqlite", f"SELECT a.org_id, COALESCE(a.pairing_id, 0), {month} "
                            f"FROM {ACTIVITY} a WHERE a.id = {row}.activity_id AND {counted}",
                            "1", delta),
        _add(PERSON_TALLY,
             f"SELECT {row}.person_id, a.org_id, {month}, {delta} FROM {ACTIVITY} a "
             f"WHERE a.id = {row}.activity_id AND {counted}", "sqlite", delta),
        _add(UNIT_TALLY,
             f"SELECT pe.home_org_id, a.org_id, COALESCE(a.pairing_id, 0), {month}, {delta} "
             f"FROM {ACTIVITY} a, {PERSON} pe "
             f"WHERE a.id = {row}.activity_id AND pe.id = {row}.person_id AND {counted} "
             f"AND NOT EXISTS (SELECT 1 FROM {PARTICIPATION} o, {PERSON} op "
             f"WHERE op.id = o.person_id AND o.activity_id = {row}.activity_id "
             f"AND o.id <> {row}.id AND op.home_org_id = pe.home_org_id)", "sqlite", delta),
        _add(TALENT_TALLY,
             f"SELECT {row}.person_id, {month}, {delta} FROM {ACTIVITY} a, {PERSON} pe, {ORG} o "
             f"WHERE a.id = {row}.activity_id AND pe.id = {row}.person_id AND o.id = a.org_id "
             f"AND {counted} AND {_TALENT_SQL}", "sqlite", delta),
    ]


def _participation_set_statements(old, new):
    """PostgreSQL, per statement: `old` and `new` are the participations the statement took
    away and added (transition tables). A unit's activity changes by whether a participant of
    that unit exists after the statement minus whether one existed before it."""
    month = _month("postgresql", "a.date")
    counted = f"a.status IN {_COUNTED_SQL}"
    sets = f"WITH o AS ({old}), n AS ({new}) "
    person = (
        f"SELECT x.person_id, a.org_id, {month}, SUM(x.d) FROM ("
        f"SELECT person_id, activity_id, 1 AS d FROM n UNION ALL "
        f"SELECT person_id, activity_id, -1 FROM o) x JOIN {ACTIVITY} a ON a.id = x.activity_id "
        f"WHERE {counted} GROUP BY 1, 2, 3 HAVING SUM(x.d) <> 0")

    def present(extra):
        return (f"EXISTS (SELECT 1 FROM {PARTICIPATION} p JOIN {PERSON} pp ON pp.id = p.person_id "
                f"WHERE p.activity_id = t.activity_id AND pp.home_org_id = t.unit_id{extra})")

    unit = (
        f"SELECT t.unit_id, a.org_id, COALESCE(a.pairing_id, 0), {month}, SUM(t.d) FROM ("
        f"SELECT t.activity_id, t.unit_id, "
        f"(CASE WHEN {present('')} THEN 1 ELSE 0 END) - (CASE WHEN "
        f"{present(' AND p.id NOT IN (SELECT id FROM n)')} OR EXISTS (SELECT 1 FROM o "
        f"JOIN {PERSON} op ON op.id = o.person_id WHERE o.activity_id = t.activity_id "
        f"AND op.home_org_id = t.unit_id) THEN 1 ELSE 0 END) AS d FROM ("
        f"SELECT DISTINCT x.activity_id, pe.home_org_id AS unit_id FROM ("
        f"SELECT activity_id, person_id FROM o UNION ALL SELECT activity_id, person_id FROM n) x "
        f"JOIN {PERSON} pe ON pe.id = x.person_id) t) t JOIN {ACTIVITY} a ON a.id = t.activity_id "
        f"WHERE {counted} GROUP BY 1, 2, 3, 4 HAVING SUM(t.d) <> 0")
    org = (
        f"SELECT a.org_id, COALESCE(a.pairing_id, 0), {month}, 0, SUM(x.d) FROM ("
        f"SELECT activity_id, 1 AS d FROM n UNION ALL SELECT activity_id, -1 FROM o) x "
        f"JOIN {ACTIVITY} a ON a.id = x.activity_id WHERE {counted} GROUP BY 1, 2, 3 "
        f"HAVING SUM(x.d) <> 0")
    talent = (
        f"SELECT x.person_id, {month}, SUM(x.d) FROM ("
        f"SELECT person_id, activity_id, 1 AS d FROM n UNION ALL "
        f"SELECT person_id, activity_id, -1 FROM o) x JOIN {ACTIVITY} a ON a.id = x.activity_id "
        f"JOIN {PERSON} pe ON pe.id = x.person_id JOIN {ORG} o ON o.id = a.org_id "
        f"WHERE {counted} AND {_TALENT_SQL} GROUP BY 1, 2 HAVING SUM(x.d) <> 0")
    touched = (f"FROM {ACTIVITY} a WHERE {counted} AND a.id IN (SELECT activity_id FROM "
               f"({old}) o UNION SELECT activity_id FROM ({new}) n)")
    return [*_locks(f"SELECT person_id FROM {PARTICIPATION} WHERE activity_id IN "
                    f"(SELECT a.id {touched}) UNION SELECT person_id FROM ({old}) o "
                    f"WHERE activity_id IN (SELECT a.id {touched})", f"SELECT a.org_id {touched}"),
            sets + _insert(ORG_TALLY, org, "postgresql", ("activities", "participations"))
            + f" {ORG_PARTICIPATIONS}",
            sets + _insert(PERSON_TALLY, person, "postgresql"),
            sets + _insert(UNIT_TALLY, unit, "postgresql"),
            sets + _insert(TALENT_TALLY, talent, "postgresql")]


def _locks(people_sql, orgs_sql):
    """PostgreSQL, before a trigger writes any tally: share-lock the people `people_sql` names
    (every participant of the activities, whose home organizations and talent flags the unit
    and talent statements read) and the organizations `orgs_sql` names (whose kind the talent
    statement reads). A person moving, a talent flag or an organization's kind changing (each
    trigger recounts from the rows it sees) then waits for this transaction, or this statement
    for that one, so neither misses the other's uncommitted rows. Each kind of row is locked in
    id order; only share locks are taken on both, so no two of these triggers deadlock."""
    return [f"PERFORM 1 FROM {PERSON} WHERE id IN ({people_sql}) ORDER BY id FOR SHARE",
            f"PERFORM 1 FROM {ORG} WHERE id IN ({orgs_sql}) ORDER BY id FOR SHARE "
            f"/* for {TALENT_TALLY} */"]  # the name: left out with the talent statements


# --- People moving to another organization -------------------------------------------------------

def _recount_units(vendor, units_sql):
    """Recount the unit tallies of the organizations in `units_sql` from the raw rows."""
    month = _month(vendor, "a.date")
    return [
        f"DELETE FROM {UNIT_TALLY} WHERE unit_id IN ({units_sql})",
        f"INSERT INTO {UNIT_TALLY} (unit_id, org_id, pairing_id, month, activities) "
        f"SELECT pe.home_org_id, a.org_id, COALESCE(a.pairing_id, 0), {month}, "
        f"COUNT(DISTINCT a.id) FROM {PARTICIPATION} pa JOIN {PERSON} pe ON pe.id = pa.person_id "
        f"JOIN {ACTIVITY} a ON a.id = pa.activity_id "
        f"WHERE pe.home_org_id IN ({units_sql}) AND a.status IN {_COUNTED_SQL} "
        f"GROUP BY 1, 2, 3, 4",
    ]


def _recount_talents(vendor, people_sql):
    """Recount the talent tallies of the people in `people_sql` from the raw rows."""
    month = _month(vendor, "a.date")
    return [
        f"DELETE FROM {TALENT_TALLY} WHERE person_id IN ({people_sql})",
        f"INSERT INTO {TALENT_TALLY} (person_id, month, participations) "
        f"SELECT pa.person_id, {month}, COUNT(*) FROM {PARTICIPATION} pa "
        f"JOIN {PERSON} pe ON pe.id = pa.person_id JOIN {ACTIVITY} a ON a.id = pa.activity_id "
        f"JOIN {ORG} o ON o.id = a.org_id WHERE pa.person_id IN ({people_sql}) "
        f"AND a.status IN {_COUNTED_SQL} AND {_TALENT_SQL} GROUP BY 1, 2",
    ]


def _participants_of(orgs_sql):
    """SELECT of the people who took part in activities of the organizations `orgs_sql`."""
    return (f"SELECT pa.person_id FROM {PARTICIPATION} pa JOIN {ACTIVITY} a "
            f"ON a.id = pa.activity_id WHERE a.org_id IN ({orgs_sql})")


# --- Talent totals (kept from the talent tally's own rows) --------------------------------------

def _total_rows(rows, sign, vendor):
    """SELECT of (month, bucket, talents, participations) that the talent tally rows `rows` (a
    FROM item) add to the totals, times `sign`. The bucket is the writing transaction's on
    PostgreSQL (its id modulo the buckets): a transaction then locks one total per month, so
    two saves listing talents in opposite orders never wait for each other's buckets crosswise,
    and concurrent saves spread over the buckets; only a month's sum over its buckets means
    anything. SQLite serialises writers: the talent's id spreads them as a recount does."""
    bucket = "txid_current()" if vendor == "postgresql" else f"{rows}.person_id"
    return (f"SELECT {rows}.month AS month, {bucket} % {TALENT_TOTAL_BUCKETS} AS bucket, "
            f"CASE WHEN {rows}.participations > 0 THEN {sign} ELSE 0 END AS talents, "
            f"{sign} * {rows}.participations AS participations")


def _total_upsert(select, vendor):
    """Add the (month, bucket, talents, participations) rows of `select` to the totals."""
    order = " ORDER BY 1, 2" if vendor == "postgresql" else ""  # one lock order per statement
    return (f"INSERT INTO {TALENT_TOTAL} (month, bucket, talents, participations) "
            f"SELECT month, bucket, SUM(talents), SUM(participations) FROM ({select}) x "
            f"GROUP BY 1, 2 "
            f"HAVING SUM(talents) <> 0 OR SUM(participations) <> 0{order} "
            f"ON CONFLICT (month, bucket) DO UPDATE SET "
            f"talents = {TALENT_TOTAL}.talents + excluded.talents, "
            f"participations = {TALENT_TOTAL}.participations + excluded.participations")


def _total_sqlite_minus(row):
    """SQLite: take the talent tally row `row` (OLD) off its total by UPDATE only (a missing
    total means the test flush emptied it first: see _decrement)."""
    return (f"UPDATE {TALENT_TOTAL} SET "
            f"talents = talents - (CASE WHEN {row}.participations > 0 THEN 1 ELSE 0 END), "
            f"participations = participations - {row}.participations "
            f"WHERE month = {row}.month "
            f"AND bucket = {row}.person_id % {TALENT_TOTAL_BUCKETS}")


def _total_sqlite_triggers():
    """{name: CREATE TRIGGER} keeping the totals from the talent tally's rows on SQLite."""
    plus = _total_upsert(_total_rows("NEW", 1, "sqlite") + " WHERE 1 = 1", "sqlite")
    return {
        "ledger_tally_talent_total_insert":
            f"CREATE TRIGGER ledger_tally_talent_total_insert AFTER INSERT ON {TALENT_TALLY} "
            f"BEGIN {plus}; END",
        "ledger_tally_talent_total_update":
            f"CREATE TRIGGER ledger_tally_talent_total_update AFTER UPDATE ON {TALENT_TALLY} "
            f"BEGIN {_total_sqlite_minus('OLD')}; {plus}; END",
        "ledger_tally_talent_total_delete":
            f"CREATE TRIGGER ledger_tally_talent_total_delete AFTER DELETE ON {TALENT_TALLY} "
            f"BEGIN {_total_sqlite_minus('OLD')}; END",
    }


def _total_postgresql_objects():
    """[(function name, CREATE FUNCTION, [CREATE TRIGGER])] keeping the totals on PostgreSQL:
    per statement, the talent tally rows it inserted, updated or deleted summed per month into
    the transaction's bucket, months in order."""
    def rows(name, sign):
        return _total_rows(name, sign, "postgresql")

    events = {"insert": ("NEW TABLE AS new_rows", [rows("new_rows", 1)]),
              "update": ("OLD TABLE AS old_rows NEW TABLE AS new_rows",
                         [rows("new_rows", 1), rows("old_rows", -1)]),
              "delete": ("OLD TABLE AS old_rows", [rows("old_rows", -1)])}
    objects = []
    for event, (referencing, selects) in events.items():
        name = f"ledger_tally_talent_total_{event}"
        rows = " UNION ALL ".join(
            f"{select} FROM {'new_rows' if 'new_rows.' in select else 'old_rows'}"
            for select in selects)
        objects.append((name, _pg_function(name, [_total_upsert(rows, "postgresql")]),
                        [f"CREATE TRIGGER {name} AFTER {event.upper()} ON {TALENT_TALLY} "
                         f"REFERENCING {referencing} FOR EACH STATEMENT "
                         f"EXECUTE FUNCTION {name}()"]))
    return objects


def recount_totals(year=None):
    """Recount the talent totals (of `year`'s months, all when None) from the talent tallies."""
    where, params = _year_condition(year, "month") if year is not None else ("1 = 1", [])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALENT_TOTAL} WHERE {where}", params)
        cursor.execute(
            f"INSERT INTO {TALENT_TOTAL} (month, bucket, talents, participations) "
            f"SELECT month, person_id %% {TALENT_TOTAL_BUCKETS}, "  # params: %% is %
            f"SUM(CASE WHEN participations > 0 THEN 1 ELSE 0 END), SUM(participations) "
            f"FROM {TALENT_TALLY} WHERE {where} GROUP BY 1, 2", params)
        return cursor.rowcount


def check_township_rollup(year=None) -> list:
    """The township roll-up's rows that differ from a recount of the raw activities and
    participations (ledger.township_tally.compare)."""
    select, params = recount_selects(connection.vendor, year=year)[ORG_TALLY]
    return township_tally.compare(select, params, year)


def check_talent_totals(year=None) -> list:
    """[(month, stored, recounted), ...] for each month (of `year`, all when None) whose
    (talents active, participations), its buckets summed, differ from a recount of the talent
    tallies (a month at 0 counts as absent)."""
    where, params = _year_condition(year, "month") if year is not None else ("1 = 1", [])
    figures = {}
    with connection.cursor() as cursor:
        for source, select in (
                ("stored", f"SELECT month, SUM(talents), SUM(participations) "
                           f"FROM {TALENT_TOTAL} WHERE {where} GROUP BY 1"),
                ("recounted", f"SELECT month, SUM(CASE WHEN participations > 0 THEN 1 ELSE 0 "
                              f"END), SUM(participations) FROM {TALENT_TALLY} WHERE {where} "
                              f"GROUP BY 1")):
            cursor.execute(select, params)
            figures[source] = {_as_key(row[:1] + (0,), 1)[0][0]: (int(row[1]), int(row[2]))
                               for row in cursor.fetchall() if row[1] or row[2]}
    stored, expected, zero = figures["stored"], figures["recounted"], (0, 0)
    return [(month, stored.get(month, zero), expected.get(month, zero))
            for month in sorted(set(stored) | set(expected))
            if stored.get(month, zero) != expected.get(month, zero)]


# --- Installing the triggers ---------------------------------------------------------------------

def _sqlite_triggers(talents=True, participations=True):
    """{name: CREATE TRIGGER statement} for SQLite (see install_triggers for `talents` and
    `participations`)."""
    def trigger(name, event, when, statements):
        statements = _kept(statements, talents, participations)
        condition = f" WHEN {when}" if when else ""
        body = "".join(f"{statement}; " for statement in statements)
        return name, f"CREATE TRIGGER {name} {event}{condition} BEGIN {body}END"

    counted_new, counted_old = (f"{r}.status IN {_COUNTED_SQL}" for r in ("NEW", "OLD"))
    part_changed = "OLD.activity_id <> NEW.activity_id OR OLD.person_id <> NEW.person_id"
    triggers = [
        trigger("ledger_tally_activity_insert", f"AFTER INSERT ON {ACTIVITY}", counted_new,
                _activity_statements("sqlite", "NEW", 1)),
        trigger("ledger_tally_activity_update",
                f"AFTER UPDATE OF status, org_id, pairing_id, date ON {ACTIVITY}",
                _activity_changed("sqlite"),
                _activity_statements("sqlite", "OLD", -1)
                + _activity_statements("sqlite", "NEW", 1)),
        trigger("ledger_tally_activity_delete", f"AFTER DELETE ON {ACTIVITY}", counted_old,
                _activity_statements("sqlite", "OLD", -1)),
        trigger("ledger_tally_participation_insert", f"AFTER INSERT ON {PARTICIPATION}", "",
                _participation_row_statements("NEW", 1)),
        trigger("ledger_tally_participation_update",
                f"AFTER UPDATE OF activity_id, person_id ON {PARTICIPATION}", part_changed,
                _participation_row_statements("OLD", -1)
                + _participation_row_statements("NEW", 1)),
        trigger("ledger_tally_participation_delete", f"AFTER DELETE ON {PARTICIPATION}", "",
                _participation_row_statements("OLD", -1)),
        trigger("ledger_tally_person_move", f"AFTER UPDATE OF home_org_id ON {PERSON}",
                "OLD.home_org_id <> NEW.home_org_id",
                _recount_units("sqlite", "OLD.home_org_id, NEW.home_org_id")),
        trigger("ledger_tally_person_talent",
                f"AFTER UPDATE OF is_city_talent, is_active ON {PERSON}",
                "OLD.is_city_talent <> NEW.is_city_talent OR OLD.is_active <> NEW.is_active",
                _recount_talents("sqlite", "NEW.id")),
        trigger("ledger_tally_org_kind", f"AFTER UPDATE OF kind ON {ORG}",
                "OLD.kind <> NEW.kind", _recount_talents("sqlite", _participants_of("NEW.id"))),
    ]
    return {name: sql for name, sql in triggers if talents or name not in TALENT_ONLY_TRIGGERS}


def _kept(statements, talents, participations=True):
    """The statements, without those writing the talent tally unless `talents`, nor the org
    tally's participations unless `participations`."""
    return [s for s in statements if (talents or TALENT_TALLY not in s)
            and (participations or ORG_PARTICIPATIONS not in s)]


_pg_function = functools.partial(trigger_sql.pg_function, paused_by=PAUSE_SETTING)


def _postgresql_objects(talents=True, participations=True):
    """[(function name, CREATE FUNCTION, [CREATE TRIGGER, ...])] for PostgreSQL (see
    install_triggers for `talents` and `participations`)."""
    none = f"SELECT * FROM {PARTICIPATION} WHERE false"
    changed = "r.activity_id <> s.activity_id OR r.person_id <> s.person_id"
    moved = ("SELECT r.home_org_id FROM old_rows r JOIN new_rows s ON s.id = r.id "
             "WHERE r.home_org_id <> s.home_org_id UNION "
             "SELECT s.home_org_id FROM old_rows r JOIN new_rows s ON s.id = r.id "
             "WHERE r.home_org_id <> s.home_org_id")
    activity = (
        "CREATE OR REPLACE FUNCTION ledger_tally_activity() RETURNS trigger LANGUAGE plpgsql "
        "AS $$\nBEGIN\n"
        f"  IF current_setting('{PAUSE_SETTING}', true) = 'on' THEN RETURN NULL; END IF;\n"
        + "".join(f"  {s};\n" for s in _kept(_locks(
            f"SELECT person_id FROM {PARTICIPATION} WHERE activity_id IN (OLD.id, NEW.id)",
            "OLD.org_id, NEW.org_id"),  # OLD or NEW is NULL on insert or delete
            talents, participations))
        + "  IF TG_OP <> 'INSERT' THEN\n"
        + "".join(f"    {s};\n" for s in _kept(_activity_statements("postgresql", "OLD", -1),
                                                  talents, participations))
        + "  END IF;\n  IF TG_OP <> 'DELETE' THEN\n"
        + "".join(f"    {s};\n" for s in _kept(_activity_statements("postgresql", "NEW", 1),
                                                  talents, participations))
        + "  END IF;\n  RETURN NULL;\nEND $$")
    def sets(old, new):
        return _kept(_participation_set_statements(old, new), talents, participations)

    objects = [
        ("ledger_tally_activity", activity, [
            f"CREATE TRIGGER ledger_tally_activity_insert AFTER INSERT ON {ACTIVITY} "
            f"FOR EACH ROW WHEN (NEW.status IN {_COUNTED_SQL}) "
            "EXECUTE FUNCTION ledger_tally_activity()",
            f"CREATE TRIGGER ledger_tally_activity_update "
            f"AFTER UPDATE OF status, org_id, pairing_id, date ON {ACTIVITY} FOR EACH ROW "
            f"WHEN ({_activity_changed('postgresql')}) EXECUTE FUNCTION ledger_tally_activity()",
            f"CREATE TRIGGER ledger_tally_activity_delete AFTER DELETE ON {ACTIVITY} "
            f"FOR EACH ROW WHEN (OLD.status IN {_COUNTED_SQL}) "
            "EXECUTE FUNCTION ledger_tally_activity()",
        ]),
        ("ledger_tally_participation_insert",
         _pg_function("ledger_tally_participation_insert",
                      sets(none, "SELECT * FROM new_rows")),
         [f"CREATE TRIGGER ledger_tally_participation_insert AFTER INSERT ON {PARTICIPATION} "
          "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
          "EXECUTE FUNCTION ledger_tally_participation_insert()"]),
        ("ledger_tally_participation_delete",
         _pg_function("ledger_tally_participation_delete",
                      sets("SELECT * FROM old_rows", none)),
         [f"CREATE TRIGGER ledger_tally_participation_delete AFTER DELETE ON {PARTICIPATION} "
          "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
          "EXECUTE FUNCTION ledger_tally_participation_delete()"]),
        ("ledger_tally_participation_update",
         _pg_function("ledger_tally_participation_update", sets(
             f"SELECT r.* FROM old_rows r JOIN new_rows s ON s.id = r.id WHERE {changed}",
             f"SELECT s.* FROM old_rows r JOIN new_rows s ON s.id = r.id WHERE {changed}")),
         [f"CREATE TRIGGER ledger_tally_participation_update AFTER UPDATE ON {PARTICIPATION} "
          "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
          "EXECUTE FUNCTION ledger_tally_participation_update()"]),
        ("ledger_tally_person_move",
         _pg_function("ledger_tally_person_move", _recount_units("postgresql", moved),
                      guard="  IF NOT EXISTS (SELECT 1 FROM old_rows r JOIN new_rows s "
                            "ON s.id = r.id WHERE r.home_org_id <> s.home_org_id) THEN "
                            "RETURN NULL; END IF;\n"),
         [f"CREATE TRIGGER ledger_tally_person_move AFTER UPDATE ON {PERSON} "
          "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
          "EXECUTE FUNCTION ledger_tally_person_move()"]),
        _pg_changed_rows_trigger("ledger_tally_person_talent", PERSON,
                                 ("is_city_talent", "is_active"),
                                 lambda changed: _recount_talents("postgresql", changed)),
        _pg_changed_rows_trigger(
            "ledger_tally_org_kind", ORG, ("kind",),
            lambda changed: _recount_talents("postgresql", _participants_of(changed))),
    ]
    return [item for item in objects if talents or item[0] not in TALENT_ONLY_TRIGGERS]


def _pg_changed_rows_trigger(name, table, columns, statements):
    """(name, CREATE FUNCTION, [CREATE TRIGGER]) of a statement trigger on UPDATE of `table`
    that runs `statements(ids)` — ids: a SELECT of the rows where one of `columns` changed —
    when any did."""
    differs = " OR ".join(f"r.{column} <> s.{column}" for column in columns)
    changed = f"SELECT s.id FROM old_rows r JOIN new_rows s ON s.id = r.id WHERE {differs}"
    guard = f"  IF NOT EXISTS ({changed}) THEN RETURN NULL; END IF;\n"
    return (name, _pg_function(name, statements(changed), guard=guard),
            [f"CREATE TRIGGER {name} AFTER UPDATE ON {table} "
             "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
             f"EXECUTE FUNCTION {name}()"])


# Every trigger of these tallies, with its table (the township roll-up's are
# township_tally.TRIGGERS).
TRIGGERS = {
    "ledger_tally_activity_insert": ACTIVITY, "ledger_tally_activity_update": ACTIVITY,
    "ledger_tally_activity_delete": ACTIVITY,
    "ledger_tally_participation_insert": PARTICIPATION,
    "ledger_tally_participation_update": PARTICIPATION,
    "ledger_tally_participation_delete": PARTICIPATION,
    "ledger_tally_person_move": PERSON,
    "ledger_tally_person_talent": PERSON,
    "ledger_tally_org_kind": ORG,
    "ledger_tally_talent_total_insert": TALENT_TALLY,
    "ledger_tally_talent_total_update": TALENT_TALLY,
    "ledger_tally_talent_total_delete": TALENT_TALLY,
}
# Triggers that keep the talent totals (migration 0015 added them).
TOTAL_TRIGGERS = ("ledger_tally_talent_total_insert", "ledger_tally_talent_total_update",
                  "ledger_tally_talent_total_delete")
# Triggers that only keep the talent tally (migration 0009 added them).
TALENT_ONLY_TRIGGERS = ("ledger_tally_person_talent", "ledger_tally_org_kind")
TRIGGERS_BEFORE_TALENTS = tuple(name for name in TRIGGERS
                                if name not in TALENT_ONLY_TRIGGERS + TOTAL_TRIGGERS)


def totals_ready(conn=None) -> bool:
    """Whether the talent totals' table exists (migration 0015): earlier migrations, which run
    this module's current code, neither keep nor recount them."""
    conn = conn or connection
    return TALENT_TOTAL in conn.introspection.table_names()


def tables_ready(conn=None) -> bool:
    """Whether every tally table exists: earlier migrations, which run this module's current
    code, install nothing before the last table is created (its migration installs and
    rebuilds everything)."""
    conn = conn or connection
    return set(TABLES) <= set(conn.introspection.table_names())


def org_participations_ready(conn=None) -> bool:
    """Whether the org tally has its participations column (migration 0014): earlier
    migrations, which run this module's current code, neither write nor recount it."""
    conn = conn or connection
    with conn.cursor() as cursor:
        return "participations" in {
            column.name for column in conn.introspection.get_table_description(cursor, ORG_TALLY)}


def _counts(table, participations):
    keys, counts = TABLES[table]
    return keys, tuple(c for c in counts if participations or table != ORG_TALLY
                       or c != "participations")


def install_triggers(conn=None, *, talents=True, participations=None, totals=None):
    """Create (or re-create) the triggers on `conn`'s database. Without `talents`, those that
    ran before the talent tally (migration 0009 going back: the schema then has no table for
    it, and the other tallies must go on being kept). `participations`: whether they keep the
    org tally's participations (default: whether its column is there); `totals`: whether they
    keep the talent totals (default: whether their table is there; never without `talents`)."""
    conn = conn or connection
    if participations is None:
        participations = org_participations_ready(conn)
    if totals is None:
        totals = totals_ready(conn)
    totals = totals and talents
    drop_triggers(conn)

    def pg_objects():
        return _postgresql_objects(talents, participations) + (
            _total_postgresql_objects() if totals else [])

    def sqlite_statements():
        statements = _sqlite_triggers(talents, participations)
        if totals:
            statements |= _total_sqlite_triggers()
        return statements.values()

    trigger_sql.install(conn, pg_objects, sqlite_statements)
    if township_tally.ready(conn):  # migration 0017 on: the township roll-up too
        township_tally.install_triggers(conn)


def missing_triggers(conn=None, names=None) -> list:
    """Those of the triggers `names` (default: all those of the schema: the totals' only once
    their table is there) absent from `conn`'s database (`manage.py ledger_tallies --check`)."""
    conn = conn or connection
    names = names or [name for name in TRIGGERS
                      if name not in TOTAL_TRIGGERS or totals_ready(conn)]
    return trigger_sql.missing_triggers(conn, names)


def triggers_present(conn=None, names=None) -> bool:
    return not missing_triggers(conn, names)


def drop_triggers(conn=None):
    conn = conn or connection
    township_tally.drop_triggers(conn)
    trigger_sql.drop_triggers(conn, TRIGGERS, functions=[
        name for name, _function, _triggers in (_postgresql_objects()
                                                + _total_postgresql_objects())])


def paused():
    """Triggers off for a bulk load in this connection; call rebuild_tallies() after it."""
    return trigger_sql.paused(PAUSE_SETTING, drop=drop_triggers, install=install_triggers)


# --- Recount -------------------------------------------------------------------------------------

def _orgs_condition(table, orgs, org_column, person_column):
    """SQL and params keeping the rows of `table` that activities of `orgs` make: for the talent
    tally, which sums all villages, every row of the people who took part in them."""
    ids = [getattr(org, "pk", org) for org in orgs] or [0]
    placeholders = ", ".join(["%s"] * len(ids))
    if table == TALENT_TALLY:
        return f"{person_column} IN ({_participants_of(placeholders)})", ids
    return f"{org_column} IN ({placeholders})", ids


def _year_condition(year, column):
    return f"{column} >= %s AND {column} < %s", [datetime.date(year, 1, 1),
                                                 datetime.date(year + 1, 1, 1)]


def _filters(table, orgs, year):
    """WHERE of the raw recount of `table` (activities `a`, participations `pa`)."""
    where, params = [f"a.status IN {_COUNTED_SQL}"], []
    conditions = []
    if orgs is not None:
        conditions.append(_orgs_condition(table, orgs, "a.org_id", "pa.person_id"))
    if year is not None:
        conditions.append(_year_condition(year, "a.date"))
    for sql, values in conditions:
        where.append(sql)
        params += values
    return " AND ".join(where), params


def recount_selects(vendor, orgs=None, year=None, participations=True):
    """{table: (SELECT of the raw recount, params)}, rows (*keys, *counts); the org tally's
    participations only with `participations`."""
    month = _month(vendor, "a.date")
    org_where, org_params = _filters(ORG_TALLY, orgs, year)
    person_where, person_params = _filters(PERSON_TALLY, orgs, year)
    unit_where, unit_params = _filters(UNIT_TALLY, orgs, year)
    talent_where, talent_params = _filters(TALENT_TALLY, orgs, year)
    people = f"FROM {PARTICIPATION} pa JOIN {PERSON} pe ON pe.id = pa.person_id " \
             f"JOIN {ACTIVITY} a ON a.id = pa.activity_id"
    return {
        ORG_TALLY: (f"SELECT a.org_id, COALESCE(a.pairing_id, 0), {month}, COUNT(*)"
                    + (f", SUM((SELECT COUNT(*) FROM {PARTICIPATION} pa "
                       f"WHERE pa.activity_id = a.id))" if participations else "")
                    + f" FROM {ACTIVITY} a WHERE {org_where} GROUP BY 1, 2, 3", org_params),
        PERSON_TALLY: (f"SELECT pa.person_id, a.org_id, {month}, COUNT(*) "
                       f"FROM {PARTICIPATION} pa JOIN {ACTIVITY} a ON a.id = pa.activity_id "
                       f"WHERE {person_where} GROUP BY 1, 2, 3", person_params),
        UNIT_TALLY: (f"SELECT pe.home_org_id, a.org_id, COALESCE(a.pairing_id, 0), {month}, "
                     f"COUNT(DISTINCT a.id) {people} WHERE {unit_where} GROUP BY 1, 2, 3, 4",
                     unit_params),
        TALENT_TALLY: (f"SELECT pa.person_id, {month}, COUNT(*) {people} "
                       f"JOIN {ORG} o ON o.id = a.org_id "
                       f"WHERE {talent_where} AND {_TALENT_SQL} GROUP BY 1, 2", talent_params),
    }


def _tally_filter(table, orgs, year):
    """WHERE of the stored rows of `table` a recount with `orgs` and `year` covers."""
    where, params = ["1 = 1"], []
    conditions = []
    if orgs is not None:
        conditions.append(_orgs_condition(table, orgs, "org_id", "person_id"))
    if year is not None:
        conditions.append(_year_condition(year, "month"))
    for sql, values in conditions:
        where.append(sql)
        params += values
    return " AND ".join(where), params


@contextlib.contextmanager
def _quiet():
    """PostgreSQL: the triggers on the tallies themselves (the talent totals', the township
    roll-up's) paused while a rebuild rewrites the tallies, which recounts them after: the
    roll-up's trigger reads each org-month's total, 115 ms per 1,900 org tally rows deleted or
    inserted. The session's setting is restored after (an error's rollback restores it too)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [PAUSE_SETTING])
        before = cursor.fetchone()[0] or "off"
        cursor.execute("SELECT set_config(%s, 'on', false)", [PAUSE_SETTING])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [PAUSE_SETTING, before])


@transaction.atomic
def rebuild_tallies(orgs=None, year=None, models=None) -> dict:
    """Recount the tallies (of `models`, all when None) of activities of `orgs` (all when
    None) in `year` (all when None) from the raw rows: one DELETE and one grouped INSERT ...
    SELECT per table. Returns {model name: rows written}."""
    written = {}
    participations = org_participations_ready()
    selects = recount_selects(connection.vendor, orgs, year, participations)
    if connection.vendor == "postgresql":
        # Writers of the tallies' sources wait for the rebuild's commit: a save meeting it
        # halfway updated a row it had deleted (lost), or held a tally row the rebuild then
        # needed while waiting for its table lock (deadlock).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ACTIVITY}, {PARTICIPATION}, {PERSON}, {ORG} "
                           "IN SHARE MODE")
    with _quiet(), connection.cursor() as cursor:
        for table, (select, params) in selects.items():
            if models is not None and MODELS[table] not in models:
                continue
            keys, counts = _counts(table, participations)
            where, where_params = _tally_filter(table, orgs, year)
            cursor.execute(f"DELETE FROM {table} WHERE {where}", where_params)
            cursor.execute(f"INSERT INTO {table} ({', '.join((*keys, *counts))}) {select}",
                           params)
            written[MODELS[table].__name__] = cursor.rowcount
    if (models is None or TalentMonthTally in models) and totals_ready():
        recount_totals(year)  # whether or not the triggers kept them through the rebuild
    if (models is None or OrgMonthTally in models) and township_tally.ready():
        township_tally.rebuild(year)  # of the org tally just recounted
    return written


def _as_key(row, counts):
    """(key as strings, count; a tuple of counts for a table with several)."""
    keys, values = row[:-counts], tuple(int(v or 0) for v in row[-counts:])
    key = tuple(k.isoformat() if isinstance(k, datetime.date) else str(k) for k in keys)
    return key, values if counts > 1 else values[0]


def check_tallies(orgs=None, year=None) -> dict:
    """{model name: [(key, stored, recounted), ...]} for every tally that differs from a
    recount of the raw rows (rows stored at 0 count as absent)."""
    mismatches = {}
    participations = org_participations_ready()
    selects = recount_selects(connection.vendor, orgs, year, participations)
    with connection.cursor() as cursor:
        for table, (select, params) in selects.items():
            keys, counts = _counts(table, participations)
            zero = (0,) * len(counts) if len(counts) > 1 else 0
            where, where_params = _tally_filter(table, orgs, year)
            cursor.execute(select, params)
            expected = dict(_as_key(row, len(counts)) for row in cursor.fetchall())
            nonzero = " OR ".join(f"{count} <> 0" for count in counts)
            cursor.execute(f"SELECT {', '.join((*keys, *counts))} FROM {table} "
                           f"WHERE {where} AND ({nonzero})", where_params)
            stored = dict(_as_key(row, len(counts)) for row in cursor.fetchall())
            wrong = [(key, stored.get(key, zero), expected.get(key, zero))
                     for key in sorted(set(expected) | set(stored))
                     if stored.get(key, zero) != expected.get(key, zero)]
            mismatches[MODELS[table].__name__] = wrong
    return mismatches
