"""联盟总览 at scale: the townships a page at a time, each row and the total row the same figures
as the former whole-table loop, in the same number of queries whatever the number of townships."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.filters import visible_owners
from alliances.models import Alliance, AllianceKind, AllianceType, Membership
from alliances.views.structure import OVERVIEW_TOWNSHIPS_PER_PAGE
from tests.alliances.conftest import FOUNDED
from tests.factories import add_org

pytestmark = pytest.mark.django_db


def former_overview(user):
    """{owner name: (by type, by kind, total, members)} and the totals, computed as the view did
    before paging: a loop over every visible owner."""
    visible = Alliance.objects.visible_to(user).open()
    types = list(AllianceType.objects.all())
    rows, totals = {}, [[0] * len(types), [0] * len(AllianceKind.values), 0, 0]
    for owner in visible_owners(user):
        mine = visible.filter(owner=owner)
        by_type = [mine.filter(type=t).count() for t in types]
        by_kind = [mine.filter(kind=k).count() for k in AllianceKind.values]
        members = (Membership.objects.current().filter(alliance__in=mine)
                   .aggregate(n=Count("org", distinct=True))["n"])
        rows[owner.name] = (by_type, by_kind, mine.count(), members)
        totals = [[a + b for a, b in zip(totals[0], by_type, strict=True)],
                  [a + b for a, b in zip(totals[1], by_kind, strict=True)],
                  totals[2] + mine.count(), totals[3] + members]
    return rows, totals


def _add_townships(tree, world, n):
    """`n` more townships, each owning one open task alliance (and every third a closed one)
    with its village and the shared enterprise as members."""
    for i in range(n):
        township = add_org(tree.county, f"新增镇{i:02d}", "township")
        village = add_org(township, f"新增村{i:02d}", "village")
        alliance = Alliance.objects.create(
            name=f"新增联盟{i:02d}", kind=AllianceKind.TASK, type=world.green, owner=township,
            founded=FOUNDED, purpose="任务")
        Membership.objects.create(alliance=alliance, org=village, joined_on=FOUNDED)
        Membership.objects.create(alliance=alliance, org=world.enterprise, joined_on=FOUNDED)
        if i % 3 == 0:
            Alliance.objects.create(name=f"已撤销联盟{i:02d}", kind=AllianceKind.TASK,
                                    type=world.red, owner=township, founded=FOUNDED,
                                    purpose="任务", closed_at=FOUNDED)


def _get(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alliances:overview"), params)
    assert response.status_code == 200
    return response, len(queries)


def test_pages_of_townships_with_the_former_figures(alliances_world, tree, login, county_admin):
    _add_townships(tree, alliances_world, OVERVIEW_TOWNSHIPS_PER_PAGE + 4)
    client = login(county_admin)
    first, _ = _get(client)
    second, _ = _get(client, page=2)
    expected_rows, expected_totals = former_overview(county_admin)
    shown = {}
    for response in (first, second):
        for row in response.context["rows"]:
            shown[row["owner"].name] = (row["types"], row["kinds"], row["total"], row["members"])
        totals = response.context["totals"]
        assert [totals["types"], totals["kinds"], totals["total"], totals["members"]] == \
            expected_totals
    assert len(first.context["rows"]) == OVERVIEW_TOWNSHIPS_PER_PAGE
    assert len(second.context["rows"]) == 6
    assert shown == expected_rows
    html = second.content.decode()
    assert "新增镇28" in html and "青山镇" not in html and 'class="fw-semibold"><td>合计' in html


def test_query_count_does_not_follow_the_townships(alliances_world, tree, login, county_admin):
    client = login(county_admin)
    _, few = _get(client)
    _add_townships(tree, alliances_world, OVERVIEW_TOWNSHIPS_PER_PAGE + 4)
    _, many = _get(client)
    _, second_page = _get(client, page=2)
    assert few == many == second_page
