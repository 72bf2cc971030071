"""The demo seed committed on PostgreSQL (as `make demo` runs it: `manage.py seed_demo` in a
transaction of its own, not a test's savepoint), in a database of its own: the bulk load drops
the plain indexes of the ledger's tables and tallies and builds them again after its rows, and
loads the person tallies with their talent flag set in one UPDATE. After it every index is back
(rebuilt: new ones, same definitions) and every tally agrees with a recount of the raw rows.

A database of its own, driven through manage.py: a seed in the test database would leave its
planner statistics (the seed ANALYZEs) to the tests that EXPLAIN queries on a tiny database."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres
DATABASE = "portal_seed_committed_test"
INDEXES = """
import json
from django.db import connection
from ledger.demo import TALLY_MODELS
from ledger.models import Activity, Evidence, Participation
tables = [m._meta.db_table for m in (Activity, Participation, Evidence, *TALLY_MODELS)]
with connection.cursor() as cursor:
    cursor.execute("SELECT i.indexrelid::regclass::text, i.indexrelid::bigint, "
                   "pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique "
                   "AND NOT i.indisprimary", [tables])
    print(json.dumps({name: [oid, create] for name, oid, create in cursor.fetchall()}))
"""


def _manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


def _indexes(database_url):
    return json.loads(_manage(database_url, "shell", "-v", "0", "-c", INDEXES).splitlines()[-1])


@pytest.fixture
def own_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL not configured (DATABASE_URL)")
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    try:
        yield urlunsplit(parts._replace(path=f"/{DATABASE}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def test_a_committed_seed_rebuilds_its_indexes_and_keeps_its_tallies(own_database):
    _manage(own_database, "migrate", "-v", "0", "--skip-checks")
    before = _indexes(own_database)
    assert before
    _manage(own_database, "seed_demo", "--scale", "small", "--skip-checks")
    after = _indexes(own_database)
    assert {name: create for name, (_, create) in after.items()} == \
        {name: create for name, (_, create) in before.items()}
    rebuilt = [name for name in before if after[name][0] != before[name][0]]
    assert sorted(rebuilt) == sorted(before)  # each dropped and built again by the seed
    assert "全部汇总表与原始记录一致" in _manage(own_database, "tallies", "--check")
