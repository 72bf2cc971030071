"""The 结对单位 filter of the pairing and agreement lists offers the units of the pairings
the user may see, found through IN-subqueries on the organizations in scope (hashed once)
rather than a join of each pairing with both of its organizations, which PostgreSQL probed
organization by organization (35,000 buffers for a city's picker)."""

import datetime

from django.test import RequestFactory

from pairing.filters import paired_units
from pairing.models import Pairing
from tests.factories import add_org


def _units(user):
    request = RequestFactory().get("/")
    request.user = user
    return paired_units(request)


def _pair(city_org, village_org):
    return Pairing.objects.create(city_org=city_org, village_org=village_org,
                                  since=datetime.date(2026, 1, 1))


def test_units_of_the_pairings_in_scope(tree, village_secretary, unit_contact, township_admin,
                                        county_admin):
    other_unit = add_org(tree.county, "县教育局", "unit")
    _pair(tree.unit, tree.village_a1)
    _pair(other_unit, tree.village_b1)
    assert set(_units(village_secretary)) == {tree.unit}  # paired with the village, not in scope
    assert set(_units(unit_contact)) == {tree.unit}
    assert set(_units(township_admin)) == {tree.unit}
    assert set(_units(county_admin)) == {tree.unit, other_unit}


def test_units_are_found_without_joining_the_tree(tree, county_admin):
    sql = str(_units(county_admin).query)
    assert 'JOIN "portal_organization"' not in sql


def test_the_pairing_list_offers_the_same_units(tree, county_admin):
    from pairing.filters import PairingFilterSet

    _pair(tree.unit, tree.village_a1)
    request = RequestFactory().get("/")
    request.user = county_admin
    units = PairingFilterSet(None, request=request).filters["unit"].get_queryset(request)
    assert list(units) == [tree.unit]
    assert 'JOIN "portal_organization"' not in str(units.query)
