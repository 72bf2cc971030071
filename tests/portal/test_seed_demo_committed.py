"""The demo seed in a transaction of its own on PostgreSQL (as `make demo` runs it, not in a
test's savepoint): the bulk load then drops the plain indexes of the ledger's tables and tallies
and builds them after, and loads the person tallies with their talent flag set in one UPDATE.
After it every tally agrees with a recount of the raw rows and every index is back."""

import io

import pytest
from django.core.management import call_command

from ledger import demo as ledger_demo
from ledger.models import Activity, Evidence, Participation
from portal import bulk_load, demo
from portal.bulk_load import plain_indexes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]
LOADED = (Activity, Participation, Evidence, *ledger_demo.TALLY_MODELS)


def test_a_committed_seed_keeps_its_tallies_and_indexes(monkeypatch):
    before = plain_indexes(*LOADED)
    assert before
    dropped = []

    def spy(*models):
        found = plain_indexes(*models)
        dropped.extend(name for name, _ in found)
        return found

    monkeypatch.setattr(bulk_load, "plain_indexes", spy)
    demo.seed("small", reset=True)
    # the load did drop them (it runs set-based only as a superuser, as CI's role is)
    assert {name for name, _ in before} <= set(dropped)
    assert plain_indexes(*LOADED) == before
    out = io.StringIO()
    call_command("tallies", "--check", stdout=out)  # raises on a difference
    assert "全部汇总表与原始记录一致" in out.getvalue()
    assert Participation.objects.filter(person__is_city_talent=True).exists()
