"""DDL of the trigger-kept tallies (portal.people_tally, pairing.need_tally and village_tally,
ledger.tallies, township_tally and unit_tally): create a trigger on SQLite or PostgreSQL from
the SQL statements it runs, drop a set of them, tell which are missing, pause them for a bulk
load, and read a tally and its recount from one snapshot.

A trigger is named once: on PostgreSQL its function bears the trigger's name, so dropping the
trigger drops the function too. A statement's closing ";" is optional: on PostgreSQL
they run inside a PL/pgSQL function (PERFORM and IF are allowed), on SQLite as the trigger's
body.
"""

import contextlib

from django.db import connection, transaction


def _bare(statement):
    """A statement without its closing ";" (the caller's may have one; two are an error)."""
    return statement.rstrip().rstrip(";")


def pg_function(name, statements, *, guard="", paused_by=None):
    """CREATE FUNCTION `name`() for an AFTER trigger running `statements` (PostgreSQL).
    `guard`: PL/pgSQL run first, to return early. `paused_by`: the session setting that,
    'on', makes the function do nothing (see paused())."""
    body = "".join(f"  {_bare(statement)};\n" for statement in statements)
    if paused_by:
        guard = (f"  IF current_setting('{paused_by}', true) = 'on' THEN RETURN NULL; "
                 f"END IF;\n{guard}")
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{guard}{body}  RETURN NULL;\nEND $$")


@contextlib.contextmanager
def paused(setting, *, drop, install):
    """A tally's triggers off for a bulk load in this connection (the caller rebuilds the
    tally after it). PostgreSQL: the session `setting` its functions read (pg_function's
    `paused_by`); SQLite, which has no such setting: the triggers dropped (`drop()`) and
    re-created (`install()`), inside the caller's transaction if there is one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [setting])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', false)", [setting])
    else:
        drop()
        try:
            yield
        finally:
            install()


def create_trigger(cursor, vendor, *, name, table, event, statements, when="",
                   referencing="", always=False, guard="", paused_by=None):
    """Create the AFTER `event` trigger `name` on `table` running `statements`.

    `referencing` (PostgreSQL: "NEW TABLE AS new_rows ..."): a statement trigger over
    transition tables; otherwise a row trigger, run only `when` (an SQL condition on OLD/NEW)
    if given. SQLite has only row triggers: a statement trigger there is the caller's to
    write as a row one. `always` (PostgreSQL): ENABLE ALWAYS, so the trigger fires under
    session_replication_role = replica too (portal.bulk_load). `guard`, `paused_by`: see
    pg_function (SQLite has no session setting: paused() drops its triggers instead)."""
    if vendor == "postgresql":
        cursor.execute(pg_function(name, statements, guard=guard, paused_by=paused_by))
        level = f"REFERENCING {referencing} FOR EACH STATEMENT" if referencing else \
            "FOR EACH ROW"
        condition = f" WHEN ({when})" if when else ""
        cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {level}{condition} "
                       f"EXECUTE FUNCTION {name}()")
        if always:
            cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
        return
    if referencing:
        raise ValueError(f"{name}: SQLite has no statement triggers")
    condition = f" WHEN ({when})" if when else ""
    body = "".join(f"{_bare(statement)}; " for statement in statements)
    cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} "
                   f"BEGIN {body}END")


def install_counting_triggers(conn, *, prefix, table, counted_columns, pg_statement,
                              sqlite_add, sqlite_take):
    """The `{prefix}_insert`, `_delete` and `_update` triggers of a tally counting the rows of
    `table` (portal.people_tally, portal.org_tally). On PostgreSQL statement triggers over
    transition tables, each running `pg_statement(parts)`, `parts` being (sign, FROM clause,
    row alias) of the rows taken away (-1) and added (+1), an update's only where one of
    `counted_columns` changed. On SQLite row triggers running `sqlite_add("NEW")` and
    `sqlite_take("OLD")` statements (an update of a counted column: both)."""
    def changed(old, new):
        return " OR ".join(f"{old}.{column} <> {new}.{column}" for column in counted_columns)

    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            pairs = f"old_rows r JOIN new_rows s ON s.id = r.id WHERE {changed('r', 's')}"
            triggers = {
                "insert": ("INSERT", "NEW TABLE AS new_rows", [(1, "new_rows s", "s")]),
                "delete": ("DELETE", "OLD TABLE AS old_rows", [(-1, "old_rows r", "r")]),
                "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                           [(-1, pairs, "r"), (1, pairs, "s")]),
            }
            for suffix, (event, referencing, parts) in triggers.items():
                create_trigger(cursor, conn.vendor, name=f"{prefix}_{suffix}", table=table,
                               event=event, referencing=referencing,
                               statements=[pg_statement(parts)])
            return
        triggers = {
            "insert": ("INSERT", "", [sqlite_add("NEW")]),
            "delete": ("DELETE", "", [sqlite_take("OLD")]),
            "update": (f"UPDATE OF {', '.join(counted_columns)}", changed("OLD", "NEW"),
                       [sqlite_take("OLD"), sqlite_add("NEW")]),
        }
        for suffix, (event, condition, statements) in triggers.items():
            create_trigger(cursor, conn.vendor, name=f"{prefix}_{suffix}", table=table,
                           event=event, when=condition, statements=statements)


def install(conn, pg_objects, sqlite_statements):
    """Run a tally's prepared DDL on `conn`: on PostgreSQL each (name, CREATE FUNCTION,
    [CREATE TRIGGER ...]) of `pg_objects()`, on SQLite each CREATE TRIGGER of
    `sqlite_statements()` (callables: only the database's own DDL is built)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for _name, function, triggers in pg_objects():
                cursor.execute(function)
                for statement in triggers:
                    cursor.execute(statement)
        else:
            for statement in sqlite_statements():
                cursor.execute(statement)


def drop_triggers(conn, triggers, *, functions=()):
    """Drop the triggers `triggers` ({name: table}) if there, and their functions; on
    PostgreSQL also the `functions` named (one several triggers share, under its own name)."""
    with conn.cursor() as cursor:
        for name, table in triggers.items():
            on = f" ON {table}" if conn.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if conn.vendor == "postgresql":
            # Functions after every trigger: one function may serve several of them.
            for name in dict.fromkeys([*triggers, *functions]):
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def trigger_names(conn) -> set:
    """The names of the triggers (not PostgreSQL's internal ones) on `conn`'s database."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def missing_triggers(conn, names) -> list:
    """The triggers of `names` absent from `conn`'s database, sorted. On SQLite a migration
    that alters a source table rebuilds it (copy, drop, rename) and its triggers go with the
    old table, without an error: the tally commands' --check reports them from this."""
    return sorted(set(names) - trigger_names(conn))


def triggers_present(conn, names) -> bool:
    """Whether every trigger of `names` exists on `conn`'s database."""
    return not missing_triggers(conn, names)


def has_column(conn, table, column) -> bool:
    """Whether `table` has `column`: a migration earlier than the one adding a tally's column
    runs the tally module's current code, which must then leave the column out."""
    with conn.cursor() as cursor:
        return column in {c.name for c in conn.introspection.get_table_description(cursor, table)}


def replace_rows(conn, table, columns, select, *, sources=()) -> int:
    """A tally's rebuild: `table`'s rows replaced by those of `select` (its `columns`), in one
    transaction; rows written. On PostgreSQL the `sources` tables are share-locked first:
    writers already running finish, new ones wait for the commit (a write meanwhile would
    recount or update a row the rebuild is about to replace, and be lost)."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if sources and conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(sources)} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {select}")
        return cursor.rowcount


@contextlib.contextmanager
def one_snapshot(conn):
    """Reads that must see the same committed rows (a tally and its recount): outside a
    transaction, one transaction, REPEATABLE READ on PostgreSQL (under READ COMMITTED a write
    committed between the two reads showed as a difference that was not there; SQLite's read
    transaction sees one state of the file). Inside a caller's transaction, its rules apply."""
    if conn.in_atomic_block:
        yield
        return
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
