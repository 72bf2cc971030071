"""PostgreSQL-only concerns of the org tree: the subtree prefix query is served by an index
whatever the server's collation, and path order matches treebeard's alphabet.

Runs when the test database is PostgreSQL (CI's second pass); under `make test` (SQLite) it
skips, and fails only when PORTAL_REQUIRE_SERVICES is set with a PostgreSQL DATABASE_URL.
"""


import pytest
from django.db import connection, transaction

from portal.models import Organization
from tests.factories import add_org

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgresql_only")]



@pytest.fixture
def county():
    """A county with 3 townships of 12 villages each, so paths use digits and letters."""
    root = add_org(None, "测试县", "county")
    towns = []
    for t in range(3):
        town = add_org(root, f"第{t + 1}镇", "township")
        for v in range(12):
            add_org(town, f"第{t + 1}镇{v + 1}村", "village")
        towns.append(Organization.objects.get(pk=town.pk))
    return root, towns


def explain_without_seqscan(queryset):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_organization")
        # Small tables favour a sequential scan; forbid it to see whether an index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def test_path_has_a_pattern_ops_index():
    """LIKE 'prefix%' can use a btree only under C collation or with varchar_pattern_ops."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'portal_organization'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert any("(path varchar_pattern_ops)" in d for d in definitions), definitions


def test_subtree_query_is_an_index_range_scan(county):
    _, towns = county
    subtree = Organization.objects.filter(path__startswith=towns[1].path)
    plan = explain_without_seqscan(subtree.order_by())
    assert "Seq Scan" not in plan, plan
    # A prefix LIKE becomes a range on the index: ~>=~ with pattern ops, >= under C collation.
    assert "Index Cond: (((path)::text ~>=~" in plan or "Index Cond: (((path)::text >=" in plan, \
        plan
    plan = explain_without_seqscan(subtree)  # the manager's default ordering by path
    assert "Seq Scan" not in plan, plan


def test_subtree_query_returns_exactly_the_subtree(county):
    root, towns = county
    town = towns[1]
    subtree = list(Organization.objects.filter(path__startswith=town.path))
    assert len(subtree) == 13
    assert {o.name for o in subtree} == {"第2镇"} | {f"第2镇{v}村" for v in range(1, 13)}
    assert list(Organization.objects.get_descendants(town)) == subtree[1:]
    assert Organization.objects.filter(path__startswith=root.path).count() == 1 + 3 * 13


def test_path_order_follows_insertion_across_digits_and_letters(county):
    _, towns = county
    children = list(Organization.objects.get_children(towns[0]))
    assert [c.name for c in children] == [f"第1镇{v}村" for v in range(1, 13)]
    paths = [c.path for c in children]
    assert paths == sorted(paths) and any(p[-1].isalpha() for p in paths)
    ordered = list(Organization.objects.values_list("path", flat=True))
    assert ordered == sorted(ordered)


def test_chinese_search_is_case_insensitive_safe(county):
    found = Organization.objects.search("镇12村")
    assert sorted(o.name for o in found) == [f"第{t}镇12村" for t in (1, 2, 3)]
