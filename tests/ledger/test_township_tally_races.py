"""PostgreSQL: saves in one township at the same moment. The roll-up's active organizations
are not a sum: each save reads its org-month's total to see whether the organization became
active. Without the roll-up row locked first, two saves of one village in one month (two
pairings: two org tally rows) each saw only its own row and counted the village twice; two
villages of one township must both count."""

import datetime
import threading
import time

import pytest
from django.db import connections, transaction

from ledger import township_tally
from ledger.models import Activity, ActivityStatus, Participation
from ledger.models import TownshipMonthTally as Rollup
from pairing.models import Pairing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def _save_at_once(saves):
    """Run each (org, pairing, person) save in its own transaction on its own connection, all
    inserted before any commits; the errors."""
    barrier, errors = threading.Barrier(len(saves)), []

    def run(org, pairing, person, day, theme):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                activity = Activity.objects.create(org=org, date=day, theme=theme,
                                                   pairing=pairing, title="走访", content="-",
                                                   status=ActivityStatus.SUBMITTED)
                Participation.objects.create(activity=activity, person=person)
                time.sleep(0.3)  # the other saves run (or wait) meanwhile
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=save) for save in saves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def _rollup(org, month):
    row = Rollup.objects.get(township=org.path[:township_tally.PREFIX], kind="village",
                             org_active=True, month=month)
    return row.activities, row.participations, row.active_orgs


def test_two_villages_of_one_township_save_at_once(tree, people, theme):
    for n in range(3):
        day = datetime.date(2025, 1 + n, 9)
        errors = _save_at_once([(tree.village_a1, None, people.a1, day, theme),
                                (tree.village_a2, None, people.a2, day, theme)])
        assert errors == []
        assert _rollup(tree.village_a1, day.replace(day=1)) == (2, 2, 2)
    assert township_tally.check() == []


def test_two_pairings_of_one_village_save_at_once(tree, people, theme):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2024, 1, 1))
    for n in range(3):
        day = datetime.date(2025, 1 + n, 9)
        errors = _save_at_once([(tree.village_a1, None, people.a1, day, theme),
                                (tree.village_a1, pairing, people.unit, day, theme)])
        assert errors == []
        assert _rollup(tree.village_a1, day.replace(day=1)) == (2, 2, 1)
    assert township_tally.check() == []
