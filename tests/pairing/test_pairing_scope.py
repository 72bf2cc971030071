"""Pairing.objects.visible_to: a scope below the roots is the union of the pairings of its
villages and of its units (each found through the path index), not a join of every pairing
with both organizations; a root's scope keeps the join, so lists read villages in path order."""

import datetime

from pairing.models import Pairing
from tests.factories import add_org


def _pair(city_org, village_org):
    return Pairing.objects.create(city_org=city_org, village_org=village_org,
                                  since=datetime.date(2026, 1, 1))


def test_each_scope_sees_the_pairings_of_its_villages_and_its_units(
        tree, village_secretary, unit_contact, township_admin, county_admin):
    town_unit = add_org(tree.town_a, "青山镇卫生院", "unit")
    county_unit = add_org(tree.county, "县教育局", "unit")
    unit_a1 = _pair(tree.unit, tree.village_a1)
    unit_b1 = _pair(tree.unit, tree.village_b1)
    town_unit_b2 = _pair(town_unit, tree.village_b2)
    county_unit_a2 = _pair(county_unit, tree.village_a2)

    def seen(user, action="view"):
        return set(Pairing.objects.visible_to(user, action))

    assert seen(village_secretary) == {unit_a1}
    assert seen(unit_contact) == {unit_a1, unit_b1}
    assert seen(township_admin) == {unit_a1, town_unit_b2, county_unit_a2}  # a unit under it
    assert seen(township_admin, "meeting.view") == seen(township_admin)
    assert seen(county_admin) == {unit_a1, unit_b1, town_unit_b2, county_unit_a2}
    narrowed = Pairing.objects.visible_to(township_admin).filter(village_org__path__startswith=
                                                                  tree.town_b.path)
    assert set(narrowed) == {town_unit_b2} and narrowed.count() == 1


def test_a_scope_below_the_roots_is_a_union_and_a_root_keeps_the_join(
        tree, unit_contact, county_admin):
    narrow = str(Pairing.objects.visible_to(unit_contact).query)
    assert "UNION ALL" in narrow
    assert narrow.split(" WHERE ", 1)[1].startswith('"pairing_pairing"."id" IN (')
    root = str(Pairing.objects.visible_to(county_admin).query)
    assert "UNION" not in root
