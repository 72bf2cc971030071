"""The global search at city scale: a source reads the rows that match, not the whole table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pairing.models import Need, Pairing
from portal.search import any_org_named_q, run_search
from tests.factories import add_org


def titles(user, text, source_key):
    return next([hit.title for hit in results.hits]
                for source, results in run_search(user, text, 20) if source.key == source_key)


@pytest.fixture
def many_pairings(tree):
    """Thirty villages paired with the county unit, and one 柳河村 paired with it too."""
    villages = [add_org(tree.town_a, f"第{i}村", "village") for i in range(30)]
    for village in villages:
        Pairing.objects.create(city_org=tree.unit, village_org=village,
                               since=datetime.date(2026, 1, 1))
    willow = add_org(tree.town_b, "柳河村", "village")
    return Pairing.objects.create(city_org=tree.unit, village_org=willow,
                                  since=datetime.date(2026, 1, 1))


def test_pairings_are_found_by_either_side_once(county_admin, tree, many_pairings):
    assert titles(county_admin, "柳河", "pairings") == [str(many_pairings)]
    assert titles(county_admin, "lhc", "pairings") == [str(many_pairings)]
    # The unit's name finds every pairing of the unit, each once.
    unit = titles(county_admin, "农业农村", "pairings")
    assert len(unit) == 31 - 11 and len(set(unit)) == len(unit)  # first 20 of 31
    named = Pairing.objects.filter(any_org_named_q(Pairing, "农业农村", "city_org",
                                                   "village_org"))
    assert named.count() == 31
    assert not Pairing.objects.filter(any_org_named_q(Pairing, "没有这个", "city_org",
                                                      "village_org")).exists()


def test_the_pairings_search_looks_each_side_up_through_its_own_index(many_pairings):
    """The matching ids come from one lookup per side, united: an OR of the sides' IN
    subqueries made PostgreSQL read every pairing (4,822 at city scale for 56 hits)."""
    named = Pairing.objects.filter(any_org_named_q(Pairing, "柳河", "city_org", "village_org"))
    sql = str(named.query)
    assert "UNION" in sql and " OR " not in sql
    assert list(named) == [many_pairings]


def test_needs_are_searched_among_the_villages_in_scope(county_admin, township_admin, tree):
    deadline = datetime.date(2026, 12, 31)
    for village, title in ((tree.village_a1, "修路"), (tree.village_a2, "电商修整"),
                           (tree.village_b1, "修桥")):
        Need.objects.create(village_org=village, title=title, description="-",
                            deadline=deadline)
    with CaptureQueriesContext(connection) as queries:
        found = titles(township_admin, "修", "needs")
    assert sorted(found) == ["修路", "电商修整"]  # 青山镇's villages only
    assert titles(township_admin, "bsc", "needs") == []  # 白水村 is out of scope
    assert sorted(titles(county_admin, "修", "needs")) == ["修桥", "修路", "电商修整"]
    # A scope below the roots reads its villages' needs by the village (an IN over the
    # organizations in scope), not every need newest first.
    needs_sql = next(q["sql"] for q in queries.captured_queries
                     if q["sql"].startswith('SELECT "pairing_need"."id"'))
    # (the village-name match is the other IN)
    assert needs_sql.count('"pairing_need"."village_org_id" IN (SELECT') == 2, needs_sql
