"""The org page's 结对 section of a unit: a viewer holding pairing.view on the unit reads the
unit's pairings by the unit alone, with no filter over both sides' paths."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing.models import Pairing


def test_the_units_pairings_are_read_by_the_unit(client, tree, unit_contact):
    since = datetime.date(2026, 1, 1)
    for village in (tree.village_a1, tree.village_b1):
        Pairing.objects.create(city_org=tree.unit, village_org=village, since=since)
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a2, since=since,
                           status="ended", until=since)
    client.force_login(unit_contact)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:org_detail", args=[tree.unit.pk]))
    section = next(context for section, context in response.context["sections"]
                   if section.key == "pairings")
    assert [row["partner"] for row in section["rows"]] == [tree.village_a1, tree.village_b1,
                                                           tree.village_a2]
    assert section["figures"][0] == ("结对中", 2, "", False)
    listed = [q["sql"] for q in queries.captured_queries
              if q["sql"].startswith('SELECT "pairing_pairing"."id"')]
    assert len(listed) == 1 and "LIKE" not in listed[0], listed
