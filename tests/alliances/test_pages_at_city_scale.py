"""The alliance pages at city scale (issue 12): each page's work follows the rows it shows, not
every alliance, membership, venue or meeting of the scope. The figures stay the same; the
tests pin both the figures and the query shapes that keep the cost bounded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import Alliance, AllianceKind, Membership
from tests.alliances.conftest import FOUNDED

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"alliances:{name}", args=args or None)


def queries_of(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


# 联盟列表 ---------------------------------------------------------------------------------------

def test_list_counts_current_members_of_each_row(alliances_world, tree, login, county_admin):
    world = alliances_world
    Membership.objects.filter(alliance=world.core, org=world.station).update(
        left_on=datetime.date(2025, 5, 1))
    empty = Alliance.objects.create(name="青山镇新建任务联盟", kind=AllianceKind.TASK,
                                    type=world.red, owner=tree.town_a, founded=FOUNDED)
    response, _ = queries_of(login(county_admin), url("alliance_list"))
    counts = {a.pk: a.member_count for a in response.context["page"]}
    assert counts == {world.core.pk: 4, world.area_1.pk: 2, world.area_2.pk: 3,
                      world.other_core.pk: 2, empty.pk: 0}


def test_list_counts_members_per_row_shown_not_grouped_over_all(alliances_world, login,
                                                                county_admin):
    """A GROUP BY over the memberships of every visible alliance sorted all of them before the
    LIMIT (906 alliances, 12,700 memberships at city scale); a correlated count per row shown
    lets the database walk the owners' path index and stop at the page."""
    _, sql = queries_of(login(county_admin), url("alliance_list"))
    [rows] = [q for q in sql if q.startswith('SELECT "alliances_alliance"."id"')
              and "LIMIT" in q]
    assert 'GROUP BY "alliances_alliance"."id"' not in rows
    assert 'LEFT OUTER JOIN "alliances_membership"' not in rows
