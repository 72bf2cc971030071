"""Two people claiming the last place at the same moment: exactly one wins (PostgreSQL).

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from pairing.models import Claim, ClaimStatus, Need
from pairing.services.needs import do_claim_need
from portal.scope import has_capability
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

ROUNDS = 10



def race(need, users):
    """Let every user claim `need` at the same moment, each on its own connection; return
    {username: Claim or ValidationError}."""
    barrier = threading.Barrier(len(users))
    outcome = {}

    def claim(user):
        try:
            barrier.wait(timeout=10)
            outcome[user.username] = do_claim_need(need, actor=user)
        except Exception as exc:  # a refusal or an error: the assertions below tell them apart
            outcome[user.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a claim never finished"
    return outcome


def test_last_place_goes_to_exactly_one(tree, pairing, soon):
    first, second = UserFactory(username="racer1"), UserFactory(username="racer2")
    for user in (first, second):
        grant(user, tree.unit, "talent")
        # Roles and paired villages are cached on the user before the threads share it.
        assert has_capability(user, "need.claim", tree.village_a1)

    for round_no in range(ROUNDS):
        need = Need.objects.create(village_org=tree.village_a1, title=f"最后一个名额{round_no}",
                                   description="-", deadline=soon, places=2, taken_places=1)
        outcome = race(need, [first, second])

        winners = [r for r in outcome.values() if isinstance(r, Claim)]
        losers = [r for r in outcome.values() if not isinstance(r, Claim)]
        assert len(winners) == 1, f"round {round_no}: {outcome}"
        assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcome
        assert losers[0].messages == ["名额已满，请选择其他事项。"]
        need.refresh_from_db()
        assert need.taken_places == need.places == 2
        assert list(Claim.objects.filter(need=need).values_list("status", flat=True)) == \
            [ClaimStatus.CLAIMED]
