"""Search and org-tree pages whose cost follows what they show, not the county's size: the
global search reads one hit more than it shows instead of counting every match, Chinese names
match through an index of their characters on PostgreSQL, and a tree node counts only the
subtrees of the children on its page."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing.models import Pairing
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.navigation import _scope_overview
from portal.pinyin import has_han, query_key
from portal.search import SearchResults, first_hits, name_q, run_search
from portal.views.common import PAGE_SIZE
from tests.factories import add_org, bulk_people

SEARCH = reverse("portal:search")

NAMES = ["王小明", "小王", "汪明", "王明", "青山1村", "Ａ王庄", "ａ王庄", "张三", "李四王五"]
QUERIES = ["王", "王明", "小王", "1村", "ａ王", "Ａ王", "王五", "明", "赵"]


def _people_results(user, text, limit):
    return dict((source.key, results) for source, results in run_search(user, text, limit))


@pytest.mark.parametrize("text", QUERIES)
def test_han_icontains_finds_exactly_what_icontains_finds(db, tree, text):
    bulk_people(**{f"p{i}": {"name": name, "home_org": tree.village_a1}
                   for i, name in enumerate(NAMES)})
    indexed = set(Person.objects.filter(name__han_icontains=text).values_list("name", flat=True))
    plain = set(Person.objects.filter(name__icontains=text).values_list("name", flat=True))
    assert indexed == plain


def test_first_hits_reads_one_row_more_than_it_shows(db, tree):
    bulk_people(**{f"p{i}": {"name": f"王{i:02d}", "home_org": tree.village_a1}
                   for i in range(7)})
    ordered = Person.objects.filter(name__startswith="王").order_by("name")
    names = list(ordered.values_list("name", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        five = first_hits(ordered, 5, lambda p: p.name)
    assert len(ctx.captured_queries) == 1 and "LIMIT 6" in ctx.captured_queries[0]["sql"]
    assert five.hits == names[:5] and five.more and five.count_label == "5+"
    seven = first_hits(ordered, 7, lambda p: p.name)
    assert seven.hits == names and not seven.more and seven.count_label == "7"
    assert SearchResults().total == 0 and not SearchResults().more


def test_the_results_page_shows_the_first_hits_in_the_old_order(client, county_admin, tree):
    """Every match that fits is shown in the old order (active first, then by name); with more
    matches than shown, the first ones by id are shown in that order: ranking every match read
    all of them (4,026 people named 王 at city scale)."""
    bulk_people(**{f"p{i}": {"name": f"王{24 - i:02d}", "home_org": tree.village_a1,
                             "is_active": i % 5 != 0} for i in range(25)})
    named = Person.objects.filter(name__icontains="王")
    expected = list(named.order_by("-is_active", "name", "id").values_list("name", flat=True))
    first = set(named.order_by("id").values_list("name", flat=True)[:20])
    people = _people_results(county_admin, "王", 20)["people"]
    assert [hit.title for hit in people.hits] == [n for n in expected if n in first]
    assert people.more
    client.force_login(county_admin)
    page = client.get(SEARCH, {"q": "王"}).content.decode()
    assert "20+" in page and "共找到 20+ 条结果" in page and "查看全部人员" in page
    response = client.get(SEARCH, {"q": "王", "kind": "people"})
    (_, everyone), = response.context["groups"]
    assert [hit.title for hit in everyone.hits] == expected and not everyone.more
    assert "共找到 25 条结果" in response.content.decode()


def test_a_kind_with_few_hits_shows_its_exact_count(client, county_admin, tree):
    bulk_people(**{f"p{i}": {"name": f"王{i}", "home_org": tree.village_a1} for i in range(3)})
    client.force_login(county_admin)
    response = client.get(SEARCH, {"q": "王"})
    people = dict((s.key, r) for s, r in response.context["groups"])["people"]
    assert people.total == 3 and not people.more and people.count_label == "3"
    assert "仅显示前" not in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL only")
def test_the_character_indexes_have_the_expression_the_lookup_writes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes "
                       "WHERE indexname IN ('person_name_chars', 'org_name_chars')")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"person_name_chars", "org_name_chars"}
    assert all("gin (string_to_array((name)::text, NULL::text))" in d for d in indexes.values())
    sql = str(Person.objects.filter(name__han_icontains="王").query)
    assert 'string_to_array("portal_person"."name", NULL) @>' in sql


# --- org tree ---------------------------------------------------------------------------

def _expected_row(child):
    """A child's figures as the page showed them before: counted over its whole subtree."""
    below = Organization.objects.filter(path__startswith=child.path, depth__gt=child.depth)
    return {"villages": below.filter(kind=OrgKind.VILLAGE).count(), "descendants": below.count(),
            "people": Person.objects.filter(home_org__path__startswith=child.path,
                                            is_active=True).count()}


def _grow_county(tree, townships):
    """`townships` more townships with a village each and people at both levels."""
    county = Organization.objects.get(pk=tree.county.pk)
    people = {}
    for i in range(townships):
        town = add_org(county, f"新{i}镇", OrgKind.TOWNSHIP)
        village = add_org(town, f"新{i}村", OrgKind.VILLAGE)
        people |= {f"t{i}": {"name": f"甲{i}", "home_org": town},
                   f"v{i}": {"name": f"乙{i}", "home_org": village},
                   f"x{i}": {"name": f"丙{i}", "home_org": village, "is_active": i % 2 == 0}}
    bulk_people(**people)


def _tree_page(client, tree, page=1):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("portal:org_tree_node", args=[tree.county.pk]),
                              {"page": page})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_a_tree_node_counts_each_childs_subtree_as_before(client, county_admin, tree, people):
    _grow_county(tree, PAGE_SIZE + 3)
    client.force_login(county_admin)
    for page in (1, 2):
        response, _ = _tree_page(client, tree, page)
        rows = response.context["rows"]
        assert rows
        for row in rows:
            assert {k: row[k] for k in ("villages", "descendants", "people")} == \
                _expected_row(row["org"]), row["org"].name
    assert [r["org"].path for r in rows] == sorted(r["org"].path for r in rows)


def test_a_tree_node_reads_only_the_subtrees_of_its_page(client, county_admin, tree, people):
    client.force_login(county_admin)
    _tree_page(client, tree)
    _, small = _tree_page(client, tree)
    _grow_county(tree, PAGE_SIZE + 3)
    response, large = _tree_page(client, tree)
    assert large == small
    count_sql = [q["sql"] for q in _captured(client, tree) if "GROUP BY" in q["sql"]]
    assert count_sql and all(f"'{tree.county.path}%'" not in sql for sql in count_sql)


def _captured(client, tree):
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("portal:org_tree_node", args=[tree.county.pk]))
    return ctx.captured_queries


# --- the home page's overview -----------------------------------------------------------

def _overview(user):
    return dict(_scope_overview(SimpleNamespace(user=user))["figures"])


def _expected_overview(user):
    """The figures as counted before: orgs and people through `visible_to`."""
    orgs = Organization.objects.visible_to(user)
    people = Person.objects.visible_to(user).filter(is_active=True)
    return {"乡镇": orgs.filter(kind=OrgKind.TOWNSHIP).count(),
            "村": orgs.filter(kind=OrgKind.VILLAGE).count(),
            "县直单位": orgs.filter(kind=OrgKind.UNIT).count(),
            "党员": people.filter(is_party_member=True).count(),
            "城市人才": people.filter(is_city_talent=True).count(),
            "人员总数": people.count()}


def _mixed_people(tree):
    bulk_people(**{f"p{i}": {"name": f"丁{i}", "home_org": org, "is_active": i % 3 != 0,
                             "is_city_talent": i % 2 == 0, "is_party_member": i % 4 != 1}
                   for i, org in enumerate([tree.village_a1, tree.village_b1, tree.unit,
                                            tree.town_a, tree.county] * 3)})


@pytest.mark.parametrize("persona", ["county_admin", "leader", "township_admin",
                                     "village_secretary", "outsider"])
def test_the_overview_figures_are_those_of_the_users_scope(request, tree, people, persona):
    _mixed_people(tree)
    user = request.getfixturevalue(persona)
    assert _overview(user) == _expected_overview(user)


def test_a_county_wide_overview_sums_people_tallies_without_joining_the_tree(county_admin, tree,
                                                                         people):
    _mixed_people(tree)
    with CaptureQueriesContext(connection) as ctx:
        figures = _overview(county_admin)
    people_sql = [q["sql"] for q in ctx.captured_queries if "portal_person" in q["sql"]]
    tally_sql = [q["sql"] for q in ctx.captured_queries if "portal_orgpeopletally" in q["sql"]]
    assert not people_sql  # the people tallies, not the people (portal.people_tally)
    assert len(tally_sql) == 1 and "JOIN" not in tally_sql[0]
    assert figures == _expected_overview(county_admin)


def test_a_second_county_keeps_the_people_figures_scoped(county_admin, tree, people):
    other = add_org(None, "邻县", OrgKind.COUNTY)
    bulk_people(**{f"o{i}": {"name": f"外{i}", "home_org": other} for i in range(4)})
    _mixed_people(tree)
    _overview(county_admin)  # the user's roles are read once and kept on the user
    with CaptureQueriesContext(connection) as ctx:
        figures = _overview(county_admin)
    assert figures == _expected_overview(county_admin)
    assert figures["人员总数"] < Person.objects.filter(is_active=True).count()
    assert len(ctx.captured_queries) == 2  # orgs by kind, people


# --- names of related organizations -----------------------------------------------------

@pytest.mark.parametrize("text", ["青山", "qsc", "nongye", "白水", "无此名"])
def test_a_related_orgs_name_matches_as_the_join_did(db, tree, text):
    for village in (tree.village_a1, tree.village_a2, tree.village_b1):
        Pairing.objects.create(city_org=tree.unit, village_org=village,
                               since=datetime.date(2026, 1, 1))
    pairings = Pairing.objects.order_by()
    by_subquery = pairings.filter(name_q(text, "city_org__") | name_q(text, "village_org__"))
    by_join = pairings.filter(Q(**_old_name_lookup(text, "city_org__"))
                              | Q(**_old_name_lookup(text, "village_org__")))
    assert sorted(by_subquery.values_list("pk", flat=True)) == \
        sorted(by_join.values_list("pk", flat=True))
    assert "JOIN" not in str(by_subquery.query)  # the orgs are a subquery, not two joins


def _old_name_lookup(text, prefix):
    """The filter name_q wrote before: the related org's columns through a join."""
    if has_han(text):
        return {f"{prefix}name__icontains": text}
    return {f"{prefix}search_key__contains": query_key(text)}
