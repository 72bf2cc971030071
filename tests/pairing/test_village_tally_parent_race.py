"""A pairing moved to another village while another transaction files an agreement of a new
year for it, or adds one with a project (PostgreSQL): the child's trigger resolved the old
village in its snapshot and the move, not seeing the uncommitted agreement, recounted neither
village's year; the new village's year row then missed the agreement. The child's trigger
share-locks the pairing first, so the move waits for its commit and recounts the year too.

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.utils import timezone

from pairing import village_tally
from pairing.models import AnnualAgreement, Pairing, ProjectItem, VillageYearTally

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

YEAR = timezone.localdate().year + 1  # a year no tally row of either village has yet


def _file_agreement(pairing):
    AnnualAgreement.objects.create(pairing=pairing, year=YEAR, status="filed")


def _add_project(pairing):
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=YEAR)
    ProjectItem.objects.create(agreement=agreement, name="修路", budget=Decimal("500"))


@pytest.mark.parametrize(("write", "figures"), [
    (_file_agreement, (1, 0, Decimal("0"))),
    (_add_project, (0, 1, Decimal("500"))),
], ids=["agreement filed", "project added"])
def test_a_pairing_moved_while_a_child_is_written_recounts_its_new_village(tree, write,
                                                                           figures):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(YEAR - 1, 1, 1))
    written, failures = threading.Event(), []

    def write_and_hold():
        try:
            with transaction.atomic():
                write(pairing)  # its trigger recounts 村A1's year, the pairing's village
                written.set()
                threading.Event().wait(1.5)  # the move starts meanwhile
        except Exception as exc:  # reported below
            failures.append(exc)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=write_and_hold)
    thread.start()
    assert written.wait(timeout=20)
    pairing.village_org = tree.village_b1
    pairing.save(update_fields=["village_org"])  # waits for the write's commit
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures
    assert village_tally.check() == {}
    row = VillageYearTally.objects.get(village_org=tree.village_b1, year=YEAR)
    assert (row.agreements_filed, row.projects, row.budget) == figures
