"""Which tally triggers run during a bulk load (portal.bulk_load, PostgreSQL, in a transaction
of its own): under session_replication_role = replica the need tally's triggers (ENABLE
ALWAYS) count the needs the load writes, the people tally's do not, and the load recounts it
(as the demo seed does)."""

import datetime

import pytest
from django.db import transaction

from pairing import need_tally
from pairing.models import Need, NeedMonthTally
from portal import people_tally
from portal.bulk_load import set_based_foreign_key_checks
from portal.models import OrgPeopleTally, Person
from portal.models.orgs import OrgKind
from tests.factories import add_org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_load_keeps_the_need_tally_and_leaves_the_people_tally_to_a_recount():
    with transaction.atomic(), set_based_foreign_key_checks():
        village = add_org(add_org(None, "云岭县", OrgKind.COUNTY), "云岭村", OrgKind.VILLAGE)
        Person.objects.create(name="甲", home_org=village, id_number="110101199003070011")
        Need.objects.create(village_org=village, title="修水渠", description="说明",
                            deadline=datetime.date(2030, 12, 31), places=5)
    assert not OrgPeopleTally.objects.exists()  # not kept during the load
    assert people_tally.check() == {village.pk: (None, (1, 1, 1, 0))}
    assert NeedMonthTally.objects.get(village_org=village).published == 1
    assert need_tally.check() == {}
    people_tally.rebuild()
    assert people_tally.check() == {}
