"""Two villagers confirming the last two places of a need at the same moment (PostgreSQL).
Apart from tests/pairing/test_numbers_agree.py, whose module-scoped demo county holds an
outer transaction that a transactional test must not share a module with."""

import pytest

from pairing.models import NeedStatus
from pairing.services import needs as services
from portal.models import AuditEvent
from tests.factories import UserFactory, grant
from tests.pairing.test_numbers_agree import SOON


@pytest.fixture
def others(tree):
    return [UserFactory(username=f"other{i}") for i in range(3)]


def _confirm_at_once(claim, actor, barrier, errors):
    from django.db import connections

    try:
        barrier.wait(timeout=10)
        services.do_confirm_claim(claim, actor=actor, rating=5)
    except Exception as exc:  # reported by the test's assertion
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_last_confirmations_at_once_complete_the_need(postgresql_only, tree, pairing,
                                                          village_secretary, others):
    """Two villagers confirm the last two places at the same moment (PostgreSQL): the need's
    lock makes the later one count both, so the need is completed exactly once."""
    import threading

    from portal.scope import has_capability

    deputy = UserFactory(username="deputy")
    grant(deputy, tree.village_a1, "village_secretary")
    for user in others[:2]:
        grant(user, tree.unit, "talent")
    for user in (village_secretary, deputy):
        assert has_capability(user, "need.confirm", tree.village_a1)  # cache roles first
    for round_no in range(5):
        need = services.do_publish_need(tree.village_a1, actor=village_secretary,
                                        title=f"同时确认{round_no}", description="-",
                                        deadline=SOON, places=2)
        claims = []
        for user in others[:2]:
            claim = services.do_claim_need(need, actor=user)
            claims.append(services.do_report_done(claim, actor=user, result="完成"))
        barrier, errors = threading.Barrier(2), []
        threads = [threading.Thread(target=_confirm_at_once, args=(*pair, barrier, errors))
                   for pair in zip(claims, (village_secretary, deputy), strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        need.refresh_from_db()
        assert need.status == NeedStatus.COMPLETED, f"round {round_no}"
        assert AuditEvent.objects.filter(data__need=need.pk, data__status="completed").count() == 1
