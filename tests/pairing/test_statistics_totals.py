"""The county's org page reads the total of 结对共建统计 alone (pairing_statistics(by_township=
False)): the same figures as the statistics page's total row, each figure one aggregate; with
no join to the org tree when the figures cover every organization, and another county's rows
kept out once there is one."""

import datetime

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from pairing.models import AidHousehold, AidPairing, Need, Pairing
from pairing.org_sections import pairing_statistics_section
from pairing.statistics import FIGURES, pairing_statistics
from tests.factories import PersonFactory, add_org
from tests.pairing.test_statistics_numbers import (  # noqa: F401 (fixtures)
    DAY,
    EXPECTED,
    YEAR,
    county_data,
    fast_passwords,
)


def _figures(row):
    return [getattr(row, name) for name, _ in FIGURES]


def _totals(user, within=None):
    with CaptureQueriesContext(connection) as queries:
        stats = pairing_statistics(user, YEAR, within=within, by_township=False)
    return stats, [q["sql"] for q in queries.captured_queries]


def test_the_total_alone_equals_the_pages_total(county_data, tree, county_admin):  # noqa: F811
    page = pairing_statistics(county_admin, YEAR)
    for within in (None, tree.county):
        stats, sql = _totals(county_admin, within)
        assert stats.rows == []
        assert _figures(stats.total) == _figures(page.total) == EXPECTED["合计"]
        # The scope holds the whole tree: no figure joins the org tree, none is grouped.
        assert not [q for q in sql if 'JOIN "portal_organization"' in q]
        assert not [q for q in sql if "GROUP BY" in q.upper()]


def test_another_county_stays_out(county_data, tree, county_admin):  # noqa: F811
    other = add_org(None, "邻县", "county")
    village = add_org(add_org(other, "邻镇", "township"), "邻村", "village")
    unit = add_org(other, "邻县局", "unit")
    Pairing.objects.create(city_org=unit, village_org=village, since=DAY)
    Need.objects.create(village_org=village, title="邻县需求", description="-",
                        deadline=DAY + datetime.timedelta(days=400), places=1)
    home = AidHousehold.objects.create(village_org=village, head_name="赵六",
                                       difficulty="illness")
    AidPairing.objects.create(cadre=PersonFactory(home_org=unit), household=home, since=DAY,
                              plan="帮扶")
    for within in (None, tree.county):
        stats, sql = _totals(county_admin, within)
        assert _figures(stats.total) == EXPECTED["合计"]
        assert any('JOIN "portal_organization"' in q for q in sql)


def test_the_county_section_shows_the_total(county_data, tree, county_admin):  # noqa: F811
    request = RequestFactory().get("/")
    request.user = county_admin
    section = pairing_statistics_section(request, tree.county)
    assert _figures(section["row"]) == EXPECTED["合计"]
    township = pairing_statistics_section(request, tree.town_a)
    assert _figures(township["row"]) == EXPECTED["青山镇"]
