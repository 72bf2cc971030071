"""Foreign keys checked once, set-based, for a bulk load (the demo seed) on PostgreSQL.

Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: every inserted row queues one check
per key, run one index probe at a time at the commit. For the city seed (4 million
participations, half a million activities) those probes alone took minutes. Inside
`set_based_foreign_key_checks()` the per-row triggers are off (session_replication_role =
replica, which only a superuser may set) and, before the transaction commits, one anti-join
per foreign key proves that every reference points at a row. A dangling reference raises, and
the caller's transaction rolls back as it would have at the commit.

Elsewhere (another database, a role that is not a superuser, or inside a caller's transaction
such as a test's) the block changes nothing and the usual checks run.
"""

from contextlib import contextmanager

from django.db import IntegrityError, connection

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
    Triggers of the project's own (the ledger's monthly tallies) are off as well: a load in
    this block must recount what they keep, as the ledger's demo does after its rows."""
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
