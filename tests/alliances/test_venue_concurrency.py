"""Two members booking the same venue slot at the same moment: exactly one wins, 20 times in a
row (PostgreSQL: the venue's row lock serializes them, the exclusion constraint backs it;
and with the constraint dropped the lock holds by itself).

Runs when the test database is PostgreSQL; under `make test` (SQLite, one writer at a time) it
skips, and fails only when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import datetime
import importlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from alliances.models import Alliance, AllianceType, Booking, Membership, Venue
from alliances.services.venues import book_venue
from portal.scope import has_capability
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

ROUNDS = 20



def race(venue, attempts, start, end):
    """Let each (user, org) book [start, end) of `venue` at the same moment, each thread on its
    own connection; return {username: Booking or exception}."""
    barrier = threading.Barrier(len(attempts))
    outcome = {}

    def attempt(user, org):
        try:
            barrier.wait(timeout=10)
            outcome[user.username] = book_venue(venue, actor=user, org=org, start=start,
                                                end=end, purpose=f"{org.name}主题党日",
                                                attendees=10)
        except Exception as exc:  # a refusal or an error: the assertions below tell them apart
            outcome[user.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a booking never finished"
    return outcome


@pytest.fixture
def world(tree):
    alliance = Alliance.objects.create(name="青山镇红色党建联盟", kind="core", owner=tree.town_a,
                                       type=AllianceType.objects.get(code="red"),
                                       founded=datetime.date(2026, 1, 5))
    for org in (tree.village_a1, tree.village_a2):
        Membership.objects.create(alliance=alliance, org=org, joined_on=alliance.founded)
    venue = Venue.objects.create(alliance=alliance, org=tree.village_a1, name="青山村党群服务中心")
    first, second = UserFactory(username="racer1"), UserFactory(username="racer2")
    grant(first, tree.village_a1, "village_secretary")
    grant(second, tree.village_a2, "village_secretary")
    for user in (first, second):
        # Roles and the membership scope are cached on the user before the threads share it.
        assert has_capability(user, "venue.book", tree.town_a)
    return venue, [(first, tree.village_a1), (second, tree.village_a2)]


@pytest.fixture
def without_constraint():
    """Drop the exclusion constraint for one test (the row lock must then hold alone) and put
    it back whatever happens: a transactional test's flush would not restore it."""
    migration = importlib.import_module("alliances.migrations.0003_booking_no_overlap")
    with connection.cursor() as cursor:
        cursor.execute(migration.DROP)
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM alliances_booking")
        cursor.execute(migration.ADD)


def race_rounds(venue, attempts):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for round_no in range(ROUNDS):
        start = timezone.make_aware(datetime.datetime.combine(
            tomorrow + datetime.timedelta(days=round_no), datetime.time(10)))
        end = start + datetime.timedelta(hours=2)
        outcome = race(venue, attempts, start, end)

        winners = [r for r in outcome.values() if isinstance(r, Booking)]
        losers = [r for r in outcome.values() if not isinstance(r, Booking)]
        assert len(winners) == 1, f"round {round_no}: {outcome}"
        assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcome
        assert losers[0].code == "overlap"
        assert winners[0].org.name in losers[0].messages[0]
        assert Booking.objects.active().filter(venue=venue, start=start).count() == 1
    assert Booking.objects.count() == ROUNDS


def test_the_same_slot_goes_to_exactly_one_member(world):
    race_rounds(*world)


def test_the_row_lock_alone_keeps_one_booking(world, without_constraint):
    race_rounds(*world)
