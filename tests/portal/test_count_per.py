"""portal.subqueries.count_per: a count of related rows per outer row as a correlated
subquery — right counts, 0 (not None) for a row with nothing related, and the outer query
left ungrouped, so a LIMIT applies before any counting."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Organization, Person
from portal.subqueries import count_per
from tests.factories import bulk_people

pytestmark = pytest.mark.django_db


def outside_parentheses(sql):
    """`sql` with every parenthesized part removed: the outer query's own clauses only."""
    depth, kept = 0, []
    for char in sql:
        depth += char == "("
        if not depth:
            kept.append(char)
        depth -= char == ")"
    return "".join(kept)


@pytest.fixture
def residents(tree):
    """Three people in 青山村, one in 石桥村 (a city talent), none elsewhere."""
    return bulk_people(a={"home_org": tree.village_a1}, b={"home_org": tree.village_a1},
                       c={"home_org": tree.village_a1},
                       d={"home_org": tree.village_a2, "is_city_talent": True})


def test_counts_the_related_rows_of_each_outer_row_and_zero_for_none(tree, residents):
    villages = (Organization.objects.filter(kind="village")
                .annotate(n_people=count_per(Person.objects.all(), "home_org")))
    counts = dict(villages.values_list("name", "n_people"))
    assert counts == {"青山村": 3, "石桥村": 1, "白水村": 0, "柳林村": 0}


def test_counts_only_the_rows_of_the_given_queryset(tree, residents):
    villages = (Organization.objects.filter(kind="village")
                .annotate(talents=count_per(Person.objects.filter(is_city_talent=True),
                                            "home_org")))
    assert dict(villages.values_list("name", "talents")) == {
        "青山村": 0, "石桥村": 1, "白水村": 0, "柳林村": 0}


def test_the_count_can_be_filtered_on(tree, residents):
    crowded = (Organization.objects.annotate(n_people=count_per(Person.objects.all(),
                                                                "home_org"))
               .filter(n_people__gt=1))
    assert list(crowded) == [tree.village_a1]


def test_the_outer_query_is_not_grouped(tree, residents):
    villages = (Organization.objects.filter(kind="village")
                .annotate(n_people=count_per(Person.objects.all(), "home_org"))
                .order_by("path"))
    assert villages.query.group_by is None
    with CaptureQueriesContext(connection) as queries:
        rows = list(villages[:2])
    assert [row.n_people for row in rows] == [3, 1]
    (sql,) = [query["sql"] for query in queries]
    assert "GROUP BY" in sql  # inside the correlated subquery (per village)
    assert "GROUP BY" not in outside_parentheses(sql)
    assert "LIMIT 2" in outside_parentheses(sql)
