"""The talent matrix's unit filter (talent_units) offers exactly the home organizations of the
talents the area answers for (talents_in), county-wide and per township, however it is
queried."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import compliance
from portal.models import Organization
from tests.factories import PersonFactory, add_org
from tests.ledger.test_compliance_matrices import data  # noqa: F401 (fixture)


def homes_of_talents(area):
    return list(Organization.objects.filter(
        pk__in=compliance.talents_in(area).values("home_org_id")).order_by("path"))


@pytest.fixture
def more_homes(tree, data):  # noqa: F811
    """A unit with only a former talent, one with only a non-talent, and a village talent."""
    retired = add_org(tree.county, "县退役局", "unit", code="U0003")
    PersonFactory(name="钱离任", home_org=retired, is_city_talent=True, is_active=False)
    plain = add_org(tree.county, "县档案局", "unit", code="U0004")
    PersonFactory(name="孙职员", home_org=plain, is_city_talent=False)
    PersonFactory(name="李村民", home_org=tree.village_b1, is_city_talent=True)


def test_talent_units_are_the_homes_of_the_areas_talents(tree, more_homes):
    county = list(compliance.talent_units(tree.county))
    assert county == homes_of_talents(tree.county)
    assert {o.name for o in county} >= {"县农业农村局", "县教育局", "白水村"}
    assert not {"县退役局", "县档案局"} & {o.name for o in county}
    # 青山镇: the unit paired with 青山村 (homed outside the township), not 白水村's talent.
    town_a = list(compliance.talent_units(tree.town_a))
    assert town_a == homes_of_talents(tree.town_a)
    assert tree.unit in town_a and tree.village_b1 not in town_a
    town_b = list(compliance.talent_units(tree.town_b))
    assert town_b == homes_of_talents(tree.town_b) and tree.village_b1 in town_b
    assert tree.unit not in town_b


def test_talent_units_read_the_people_tally_not_every_talent(tree, more_homes):
    with CaptureQueriesContext(connection) as queries:
        list(compliance.talent_units(tree.county))
    (query,) = queries.captured_queries
    assert "portal_orgpeopletally" in query["sql"]
    assert "portal_person" not in query["sql"]
