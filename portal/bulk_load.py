"""Foreign keys checked once, set-based, for a bulk load (the demo seed) on PostgreSQL.

Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: every inserted row queues one check
per key, run one index probe at a time at the commit. For the city seed (4 million
participations, half a million activities) those probes alone took minutes. Inside
`set_based_foreign_key_checks()` the session runs with session_replication_role = replica
(which the block sets only for a superuser) and, before the transaction commits, one anti-join
per foreign key proves that every reference points at a row. A dangling reference raises, and
the caller's transaction rolls back as it would have at the commit.

Replica turns off every trigger that is not ENABLE ALWAYS (or ENABLE REPLICA), row or
statement: the foreign-key checks, and the project's own tally triggers except those marked
ALWAYS. So during a load
- the ledger's monthly tallies (ledger.tallies), the people per organization
  (portal.people_tally) and the organizations per township (portal.org_tally) are not kept:
  the load recounts them after its rows (the ledger's demo rebuilds its tallies, the seed
  rebuilds the people and organization tallies);
- the needs per village-month (pairing.need_tally) are kept: their triggers are ENABLE ALWAYS
  and count the needs and claims the load inserts, as any other write.
Unique, NOT NULL and CHECK constraints are not triggers and hold throughout.

Elsewhere (another database, a role that is not a superuser, outside a transaction, or inside
a caller's transaction such as a test's, where the load's atomic() is a savepoint) the block
changes nothing and the usual checks and triggers run.
"""

import operator
from contextlib import contextmanager

from django.db import IntegrityError, connection

from portal import fragments

FOREIGN_KEYS_SQL = """
    SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text,
           af.attname
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
      AND c.connamespace = current_schema()::regnamespace
    ORDER BY 2, 3
"""


def foreign_keys() -> list[tuple[str, str, str, str, str]]:
    """(constraint, table, column, referenced table, referenced column) of the schema's
    single-column foreign keys (Django makes no other kind)."""
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS_SQL)
        return cursor.fetchall()


def dangling_references() -> list[str]:
    """Names of the foreign keys with at least one value that points at no row."""
    quote = connection.ops.quote_name
    broken = []
    with connection.cursor() as cursor:
        for name, table, column, target, target_column in foreign_keys():
            cursor.execute(
                f"SELECT 1 FROM {table} t WHERE t.{quote(column)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {target} r WHERE r.{quote(target_column)} = t.{quote(column)}) "
                "LIMIT 1")
            if cursor.fetchone():
                broken.append(f"{name}（{table}.{column} → {target}）")
    return broken


def _may_skip_row_checks() -> bool:
    if connection.vendor != "postgresql" or connection.savepoint_ids:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


@contextmanager
def set_based_foreign_key_checks():
    """Use inside the load's transaction (`transaction.atomic()`); see the module docstring.
    The project's triggers that are not ENABLE ALWAYS (the ledger's tallies, the people tally)
    are off as well: a load in this block must recount what they keep."""
    if not (connection.in_atomic_block and _may_skip_row_checks()):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
    broken = dangling_references()
    if broken:
        raise IntegrityError("批量写入后发现无效的外键引用：" + "；".join(broken))


def in_set_based_load() -> bool:
    """Whether this runs inside `set_based_foreign_key_checks()` where it skips the row checks
    (no deferred trigger event is pending: tables may be altered and indexed)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role') = 'replica'")
        return cursor.fetchone()[0]


# --- Indexes built once, after the rows ------------------------------------------------------

PLAIN_INDEXES_SQL = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY 1
"""
INDEX_BUILD_KB = 256 * 1024  # maintenance_work_mem for the index builds, at least


def plain_indexes(*models) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the models' tables' indexes that neither enforce
    uniqueness nor back a constraint."""
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_INDEXES_SQL, [[m._meta.db_table for m in models]])
        return cursor.fetchall()


@contextmanager
def indexes_built_after(*models):
    """Inside `set_based_foreign_key_checks()` on PostgreSQL: drop the models' plain indexes
    (see `plain_indexes`) for the block and build each once after it, from sorted rows.
    Keeping them row by row was most of the city seed's time: 1.7 million person tallies took
    54 s to insert under their five indexes and 11 s without, and the indexes then build in
    seconds. Primary keys and unique indexes stay, so uniqueness holds throughout. Readers of
    the tables wait for the load's commit (the block holds their exclusive lock until then).
    Elsewhere (outside such a load, where deferred foreign-key checks would forbid building
    an index on a table with rows written in the transaction) the block changes nothing."""
    if not in_set_based_load():
        yield
        return
    dropped = plain_indexes(*models)
    with connection.cursor() as cursor:
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintenance_work_mem'), setting::bigint "
                       "FROM pg_settings WHERE name = 'maintenance_work_mem'")
        before, kilobytes = cursor.fetchone()
        if kilobytes < INDEX_BUILD_KB:  # never lower a server's own larger setting
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)",
                           [f"{INDEX_BUILD_KB}kB"])
        for _, create in dropped:
            cursor.execute(create)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [before])


# --- Inserting many rows ----------------------------------------------------------------------

# Field types whose Python values psycopg writes to their columns as they are.
PLAIN_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "ForeignKey", "OneToOneField",
               "CharField", "TextField", "SlugField", "EmailField", "IntegerField",
               "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
               "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField",
               "DateField", "DateTimeField", "DecimalField", "FloatField"}


def copy_rows(model, fields, rows, *, batch_size=5_000) -> None:
    """Insert plain tuples (values of `fields`, by field name) without model instances: COPY
    on PostgreSQL, batched executemany elsewhere."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            fragments.note_write(connection)  # COPY passes by the execute wrappers
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start:start + batch_size])


def _row_values(fields):
    """A function from an unsaved instance to its column values, in `fields` order, as
    bulk_create would write them: auto_now(_add) stamps (if switched on), a related object's id
    when only the object was assigned, naive datetimes refused. The plain values are read in
    one attrgetter call per row: a field's pre_save per value was most of the load's Python."""
    fetch = operator.attrgetter(*(f.attname for f in fields))
    stamped = [(i, f) for i, f in enumerate(fields)
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    related = [(i, f) for i, f in enumerate(fields) if f.many_to_one]
    datetimes = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"]

    def values(row):
        value = list(fetch(row)) if len(fields) > 1 else [fetch(row)]
        for i, field in stamped:
            value[i] = field.pre_save(row, True)
        for i, field in related:
            if value[i] is None:  # a related object assigned before it had an id
                instance = field.get_cached_value(row, None)
                value[i] = instance.pk if instance is not None else None
        for i, field in datetimes:
            if value[i] is not None and value[i].tzinfo is None:
                raise ValueError(f"{field.model.__name__}.{field.name}: naive datetime {value[i]}")
        return value

    return values


def insert_instances(model, rows, *, batch_size=2_000) -> None:
    """Insert unsaved model instances and set their ids, like bulk_create. On PostgreSQL, for
    a model of plain column types, the ids are drawn from the table's sequence first and the
    rows go in by COPY: bulk_create's per-value SQL preparation was a third of the demo seed's
    time at city scale. No signals, no save(): as bulk_create. A model whose manager has
    `prepare_bulk_insert(rows)` (people: their search key) gets it called first, on every
    database, as its bulk_create does."""
    prepare = getattr(model._default_manager, "prepare_bulk_insert", None)
    if prepare is not None and connection.vendor == "postgresql":
        prepare(rows)  # elsewhere bulk_create below calls it
    fields = model._meta.concrete_fields
    plain = all(f.get_internal_type() in PLAIN_TYPES for f in fields)
    if connection.vendor != "postgresql" or not plain or not rows:
        model.objects.bulk_create(rows, batch_size=batch_size)
        if rows and rows[0].pk is None:
            raise RuntimeError(f"{model.__name__}: the database returned no ids from bulk insert")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, len(rows)])
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias
    values = _row_values(fields)
    copy_rows(model, [f.name for f in fields], [values(row) for row in rows])
