"""The global search reads its scope the cheap way at city scale: a scope that holds the whole
tree (a county leader's) tests no path, so the name indexes alone find the matches; a scope
below the roots (a township's) names its organizations by id; the hits' organizations are
fetched for the hits alone. The hits stay those of the scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Person
from portal.search import run_search
from tests.factories import add_org, bulk_people

pytestmark = pytest.mark.django_db


def search(user, text, key):
    with CaptureQueriesContext(connection) as queries:
        [(_, results)] = run_search(user, text, 20, only=key)
    return [hit.title for hit in results.hits], [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def wangs(tree):
    """王 in both townships and at the county unit, one of them no longer active."""
    add_org(tree.town_a, "王家村", "village", code="V0009")
    add_org(tree.town_b, "王庄村", "village")
    return bulk_people(a={"name": "王青", "home_org": tree.village_a1},
                       b={"name": "王白", "home_org": tree.village_b1},
                       unit={"name": "王农", "home_org": tree.unit},
                       gone={"name": "王旧", "home_org": tree.village_a2, "is_active": False})


def test_a_leader_searches_without_a_path_test(wangs, leader):
    people, sql = search(leader, "王", "people")
    assert people == sorted(["王农", "王白", "王青"]) + ["王旧"]  # active first, then by name
    [rows] = [q for q in sql if q.startswith('SELECT "portal_person"."id"')]
    # The first matches in the primary key's order, not every match ranked by name.
    assert rows.endswith('ORDER BY "portal_person"."id" ASC LIMIT 21')
    assert " LIKE '0001%'" not in rows and "path" not in rows
    assert 'JOIN "portal_organization"' not in rows  # the hits' organizations come after
    orgs, sql = search(leader, "王", "orgs")
    assert orgs == ["王家村", "王庄村"]
    [rows] = [q for q in sql if q.startswith('SELECT "portal_organization"."id"')]
    assert '"portal_organization"."path"::text LIKE' not in rows


def test_a_township_reads_its_people_by_its_organizations_ids(wangs, township_admin):
    people, sql = search(township_admin, "王", "people")
    assert people == ["王青", "王旧"]  # 青山镇's, the active first
    [rows] = [q for q in sql if q.startswith('SELECT "portal_person"."id"')]
    assert '"portal_person"."home_org_id" IN (' in rows and "path" not in rows
    assert search(township_admin, "王", "orgs")[0] == ["王家村"]


def test_more_people_than_shown_are_the_first_by_id_ranked_for_display(tree, leader):
    bulk_people(**{f"p{i}": {"name": f"张{chr(0x4e00 + 30 - i)}", "home_org": tree.village_a1,
                             "is_active": i != 3} for i in range(25)})
    [(_, results)] = run_search(leader, "张", 20, only="people")
    assert results.more and results.count_label == "20+"
    first = [p.name for p in Person.objects.filter(name__startswith="张").order_by("id")[:20]]
    inactive = Person.objects.get(name__startswith="张", is_active=False).name
    assert [hit.title for hit in results.hits] == sorted(set(first) - {inactive}) + [inactive]


def test_a_code_without_case_is_matched_exactly_and_one_with_case_in_any_case(
        wangs, tree, leader):
    add_org(tree.town_a, "编码村", "village", code="Ab12")
    orgs, sql = search(leader, "V0009", "orgs")
    assert orgs == ["王家村"]
    assert search(leader, "ab12", "orgs")[0] == ["编码村"]
    assert search(leader, "AB12", "orgs")[0] == ["编码村"]
    digits_only, sql = search(leader, "0009", "orgs")
    assert digits_only == []
    [rows] = [q for q in sql if q.startswith('SELECT "portal_organization"."id"')]
    assert '"portal_organization"."code" = \'0009\'' in rows  # not UPPER(...) nor LIKE
