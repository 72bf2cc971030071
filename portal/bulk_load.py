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


def _column_value(field, is_datetime, row):
    value = field.pre_save(row, True)  # as bulk_create: auto_now(_add) stamps, if switched on
    if value is None and field.many_to_one:
        # A related object assigned before it had an id (a user written just before).
        related = field.get_cached_value(row, None)
        value = related.pk if related is not None else None
    if is_datetime and value is not None and value.tzinfo is None:
        raise ValueError(f"{field.model.__name__}.{field.name}: naive datetime {value}")
    return value


def insert_instances(model, rows, *, batch_size=2_000) -> None:
    """Insert unsaved model instances and set their ids, like bulk_create. On PostgreSQL, for
    a model of plain column types, the ids are drawn from the table's sequence first and the
    rows go in by COPY: bulk_create's per-value SQL preparation was a third of the demo seed's
    time at city scale. No signals, no save(): as bulk_create."""
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
    columns = [(f, f.get_internal_type() == "DateTimeField") for f in fields]
    copy_rows(model, [f.name for f in fields],
              [tuple(_column_value(f, is_datetime, row) for f, is_datetime in columns)
               for row in rows])
