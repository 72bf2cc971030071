"""A village moved into a township while another village of it logs the township's first
activity of a month (PostgreSQL): the move's recount of the township's roll-up meets the
save's new roll-up row, which it could not see, and adds to it once the save commits, instead
of failing on the roll-up's unique key (the move was cancelled) — and nothing is counted
twice or lost.

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import datetime
import threading

import pytest
from django.db import connections, transaction

from ledger import tallies
from ledger.models import Activity, ActivityStatus, ActivityTheme, TownshipMonthTally
from portal.models import Organization

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_move_meeting_a_first_save_of_the_month_adds_to_it(tree):
    theme = ActivityTheme.objects.first() or ActivityTheme.objects.create(name="主题党日")
    day = datetime.date(2025, 3, 10)

    def log(village):
        return Activity.objects.create(org=village, date=day, theme=theme, title="走访",
                                       content="内容", status=ActivityStatus.SUBMITTED)

    log(tree.village_a1)  # the village moved brings a month that 白水乡 has not logged yet
    saved, failures = threading.Event(), []

    def first_save_in_b():
        try:
            with transaction.atomic():
                log(tree.village_b1)  # 白水乡's roll-up row of March, new and uncommitted
                saved.set()
                threading.Event().wait(1.5)  # the move starts meanwhile
        except Exception as exc:  # reported below
            failures.append(exc)
            saved.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_save_in_b)
    thread.start()
    assert saved.wait(timeout=20)
    village = Organization.objects.get(pk=tree.village_a1.pk)
    Organization.objects.move(village, Organization.objects.get(pk=tree.town_b.pk),
                              pos="last-child")  # waits for the save's commit
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures
    b = Organization.objects.get(pk=tree.town_b.pk).path
    row = TownshipMonthTally.objects.get(township=b, kind="village", org_active=True,
                                         month=day.replace(day=1))
    assert (row.activities, row.active_orgs) == (2, 2)
    assert tallies.check_township_rollup() == []
