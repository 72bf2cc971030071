"""A township's org page reads its own row of 结对共建统计 (pairing_statistics(within=...)),
not every township of the county (at city scale the county's 250 townships cost 45 ms of the
township page): the same figures as the statistics page's row, and every query bounded to the
township."""

import datetime

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pairing.models import Pairing
from pairing.org_sections import pairing_statistics_section
from pairing.statistics import pairing_statistics
from tests.factories import add_org

YEAR = timezone.localdate().year


def _world(tree):
    community = add_org(tree.town_a, "青山社区", "community")
    for city, village, status in ((community, tree.village_b1, "active"),
                                  (community, tree.village_a2, "active"),
                                  (tree.unit, tree.village_a1, "active"),
                                  (tree.unit, tree.village_a2, "ended"),
                                  (tree.unit, tree.village_b2, "active")):
        Pairing.objects.create(city_org=city, village_org=village, status=status,
                               since=datetime.date(2025, 1, 1),
                               until=datetime.date(2026, 3, 1) if status == "ended" else None)


def test_a_townships_rows_equal_the_county_figures(tree, county_admin):
    _world(tree)
    county = pairing_statistics(county_admin, YEAR)
    for town in (tree.town_a, tree.town_b):
        within = pairing_statistics(county_admin, YEAR, within=town)
        (row,) = within.rows
        assert row == next(r for r in county.rows if r.township_id == town.pk)
        assert (within.total.pairings, within.total.covered) == (row.pairings, row.covered)
    whole = pairing_statistics(county_admin, YEAR, within=tree.county)
    assert whole.rows == county.rows and whole.total == county.total


def test_the_township_section_queries_only_its_township(tree, county_admin):
    _world(tree)
    request = RequestFactory().get("/")
    request.user = county_admin
    with CaptureQueriesContext(connection) as queries:
        section = pairing_statistics_section(request, tree.town_a)
    assert section["row"].pairings == 2  # unit ↔ 青山村, 青山社区 ↔ 石桥村
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert grouped and all(tree.town_a.path in sql for sql in grouped)
