"""Who may take part in an activity of an organization: its own people and those of the
organizations it is actively paired with — read organizations first, then their people by the
home organization index (the condition across the person-organization join read every person
of a city, 31 ms of each activity form)."""

import datetime

from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from ledger.services.activities import eligible_participants
from pairing.models import Pairing, PairingStatus
from portal.models import Person
from tests.factories import PersonFactory


def _old_condition(org):
    paired = Pairing.objects.filter(status=PairingStatus.ACTIVE).filter(
        Q(village_org=org) | Q(city_org=org))
    return set(Person.objects.filter(is_active=True).filter(
        Q(home_org__path__startswith=org.path) | Q(home_org__in=paired.values("city_org"))
        | Q(home_org__in=paired.values("village_org"))).values_list("pk", flat=True))


def test_same_people_as_the_join_and_no_join(tree):
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                           since=datetime.date(2024, 1, 1))
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b1,
                           since=datetime.date(2023, 1, 1), until=datetime.date(2023, 12, 31),
                           status=PairingStatus.ENDED)
    for org in (tree.village_a1, tree.village_a2, tree.village_b1, tree.unit, tree.town_a):
        PersonFactory(home_org=org)
        PersonFactory(home_org=org, is_active=False)
    for org in (tree.village_a1, tree.village_b1, tree.unit, tree.town_a):
        with CaptureQueriesContext(connection) as queries:
            found = set(eligible_participants(org).values_list("pk", flat=True))
        assert found == _old_condition(org), org.name
        where = queries.captured_queries[-1]["sql"].split(" WHERE ")[1]
        assert '"home_org_id" IN (' in where and "LIKE" not in where and " OR " not in where
    unit_people = set(eligible_participants(tree.unit).values_list("home_org__name", flat=True))
    assert unit_people == {"县农业农村局", "青山村"}  # the ended pairing's village is not
