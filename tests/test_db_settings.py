"""PostgreSQL connections run with JIT off unless DB_JIT says otherwise: page queries of 20-40
ms at city scale spent 15 ms compiling (the home's needs trend 20 -> 35 ms)."""

from django.db import connection


def test_postgresql_connections_run_without_jit(postgresql_only):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_off_joins_the_options_a_database_url_carries():
    from portal.settings.base import without_jit

    assert without_jit({}) == {"options": "-c jit=off"}
    assert without_jit({"options": "-c statement_timeout=5000", "sslmode": "require"}) == {
        "options": "-c statement_timeout=5000 -c jit=off", "sslmode": "require"}
    assert without_jit({"options": "-c jit=on"}) == {"options": "-c jit=on"}
