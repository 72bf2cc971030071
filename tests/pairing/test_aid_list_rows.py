"""The household list counts each shown household's active cadre pairings with one lookup per
row, not a GROUP BY over every household joined with its pairings (a city's 12,000 households
were aggregated and sorted before the page's LIMIT)."""

import datetime

from pairing.models import AidHousehold, AidPairing
from pairing.views.aid import HouseholdListView
from tests.factories import PersonFactory


def test_active_pairings_per_household(tree, county_admin):
    cadre = PersonFactory(home_org=tree.village_a1, is_cadre=True)
    other = PersonFactory(home_org=tree.village_a1, is_cadre=True)
    helped, ended, alone = (
        AidHousehold.objects.create(village_org=tree.village_a1, head_name=name, members=2,
                                    difficulty="poverty")
        for name in ("甲户", "乙户", "丙户"))
    since = datetime.date(2026, 1, 1)
    AidPairing.objects.create(cadre=cadre, household=helped, plan="计划", since=since)
    AidPairing.objects.create(cadre=other, household=helped, plan="计划", since=since)
    AidPairing.objects.create(cadre=cadre, household=ended, plan="计划", since=since,
                              is_active=False)
    rows = HouseholdListView.queryset.visible_to(county_admin)
    assert {h.head_name: h.active_pairings for h in rows} == {"甲户": 2, "乙户": 0, "丙户": 0}
    assert rows.count() == 3


def test_the_list_groups_no_households():
    assert 'GROUP BY "pairing_aidhousehold"' not in str(HouseholdListView.queryset.query)
