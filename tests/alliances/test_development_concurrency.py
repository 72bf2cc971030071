"""Two managers granting the last place of an alliance's development quota at the same moment:
exactly one succeeds, 20 times in a row (PostgreSQL: the quota row lock serializes the count).

Runs when the test database is PostgreSQL; under `make test` (SQLite) it skips, and fails only
when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from alliances.models import (
    Alliance,
    AllianceType,
    CandidateStage,
    DevelopmentCandidate,
    DevelopmentQuota,
    Membership,
)
from alliances.services.development import grant_quota, places_used
from portal.scope import has_capability
from tests.factories import UserFactory, bulk_people, grant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]

ROUNDS = 20


def race(candidates, users, granted_on):
    barrier = threading.Barrier(len(candidates))
    outcome = {}

    def attempt(candidate, user):
        try:
            barrier.wait(timeout=10)
            outcome[candidate.pk] = grant_quota(candidate, actor=user, granted_on=granted_on)
        except Exception as exc:  # a refusal or an error: the assertions tell them apart
            outcome[candidate.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair)
               for pair in zip(candidates, users, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a grant never finished"
    return outcome


def test_the_last_place_goes_to_exactly_one_candidate(tree):
    today = timezone.localdate()
    alliance = Alliance.objects.create(name="青山镇红色党建联盟", kind="core", owner=tree.town_a,
                                       type=AllianceType.objects.get(code="red"),
                                       founded=today)
    Membership.objects.create(alliance=alliance, org=tree.village_a1, joined_on=today)
    quota = DevelopmentQuota.objects.create(alliance=alliance, year=today.year, places=0)
    users = [UserFactory(username="granter1"), UserFactory(username="granter2")]
    for user in users:
        grant(user, tree.town_a, "township_admin")
        assert has_capability(user, "alliance.manage", tree.town_a)
    people = bulk_people(**{f"p{i}": {"name": f"积极分子{i}", "home_org": tree.village_a1,
                                      "is_party_member": False} for i in range(2 * ROUNDS)})
    people = list(people.values())
    for round_no in range(ROUNDS):
        DevelopmentQuota.objects.filter(pk=quota.pk).update(places=round_no + 1)
        pair = [DevelopmentCandidate.objects.create(
            alliance=alliance, person=person, branch=tree.village_a1,
            recommended_by=tree.village_a1, year=today.year, stage=CandidateStage.TRAINING,
            reason="表现突出", recommended_on=today, training_since=today)
            for person in people[2 * round_no:2 * round_no + 2]]
        outcome = race(pair, users, today)
        winners = [r for r in outcome.values() if isinstance(r, DevelopmentCandidate)]
        losers = [r for r in outcome.values() if not isinstance(r, DevelopmentCandidate)]
        assert len(winners) == 1, f"round {round_no}: {outcome}"
        assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcome
        assert losers[0].code == "quota_used"
        assert places_used(alliance, today.year) == round_no + 1
