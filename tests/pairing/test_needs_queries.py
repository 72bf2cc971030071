"""The board pages run as many queries with 25 needs (each with claims) as with 2."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing.models import Claim, ClaimEvent, ClaimStatus, Need
from tests.factories import UserFactory, grant


@pytest.fixture
def talent2(tree, pairing):
    user = UserFactory(username="talent2")
    grant(user, tree.unit, "talent")
    return user


def add_needs(tree, count, talent, talent2, soon, start):
    """`count` needs in 青山村 and 石桥村, each claimed by one talent and reported done by the
    other, with their events."""
    for i in range(start, start + count):
        village = tree.village_a1 if i % 3 else tree.village_a2
        need = Need.objects.create(village_org=village, title=f"事项{i}", description="-",
                                   deadline=soon, places=3, taken_places=2)
        claimed = Claim.objects.create(need=need, claimant=talent)
        done = Claim.objects.create(need=need, claimant=talent2, status=ClaimStatus.DONE,
                                    result="完成")
        ClaimEvent.objects.create(claim=claimed, actor=talent, to_status="claimed")
        ClaimEvent.objects.create(claim=done, actor=talent2, to_status="claimed")
        ClaimEvent.objects.create(claim=done, actor=talent2, from_status="claimed",
                                  to_status="done")


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


PAGES = {
    "village_secretary": [("need_board", None), ("need_board", {"overdue": "no"}),
                          ("claims_to_confirm", None)],
    "talent": [("need_board", None), ("need_board", {"kind": "need", "q": "事项"}),
               ("my_claims", None)],
    "county_admin": [("need_board", None), ("need_board", {"overdue": "yes"})],
    "township_admin": [("need_board", None)],
}


@pytest.mark.parametrize("persona", sorted(PAGES))
def test_board_queries_do_not_grow(persona, request, client, tree, pairing, talent, talent2,
                                   soon):
    client.force_login(request.getfixturevalue(persona))
    client.get(reverse("pairing:need_board"))  # session warm, as in real use

    def measure():
        counts, rows = [], []
        for name, params in PAGES[persona]:
            n, response = count_queries(client, reverse(f"pairing:{name}"), params)
            counts.append(n)
            rows.append(len(response.context["page"].object_list))
        return counts, rows

    add_needs(tree, 2, talent, talent2, soon, start=0)
    small, small_rows = measure()
    add_needs(tree, 23, talent, talent2, soon, start=2)
    large, large_rows = measure()
    assert large == small
    assert max(large_rows) >= 16  # the pages really listed the larger set


def test_detail_queries_do_not_grow_with_claims(client, tree, pairing, village_secretary, soon):
    need = Need.objects.create(village_org=tree.village_a1, title="大型活动", description="-",
                               deadline=soon, places=200)
    client.force_login(village_secretary)
    url = reverse("pairing:need_detail", args=[need.pk])

    def add_claims(start, count):
        for i in range(start, start + count):
            user = UserFactory(username=f"claimant{i}", first_name=f"人才{i}")
            claim = Claim.objects.create(need=need, claimant=user,
                                         status=ClaimStatus.DONE if i % 2 else "claimed")
            ClaimEvent.objects.create(claim=claim, actor=user, to_status="claimed")
            if i % 2:
                ClaimEvent.objects.create(claim=claim, actor=user, from_status="claimed",
                                          to_status="done")

    add_claims(0, 2)
    small, _ = count_queries(client, url)
    add_claims(2, 23)
    large, response = count_queries(client, url)
    assert large == small
    assert "人才24" in response.content.decode()


def test_overview_names_townships_and_counts_needs_alone(client, tree, pairing, talent, talent2,
                                                         soon, county_admin):
    # The page is cut first; township names and progress are looked up for its rows only, and
    # the paginator's COUNT reads the needs alone (no per-need township subquery, no claims).
    add_needs(tree, 3, talent, talent2, soon, start=0)
    Need.objects.create(village_org=tree.village_b1, title="白水村事项", description="-",
                        deadline=soon, places=1)
    client.force_login(county_admin)
    client.get(reverse("pairing:need_board"))
    n, response = count_queries(client, reverse("pairing:need_board"))
    rows = {need.title: need for need in response.context["page"]}
    assert {title: need.township_name for title, need in rows.items()} == {
        "事项0": "青山镇", "事项1": "青山镇", "事项2": "青山镇", "白水村事项": "白水乡"}
    assert [(rows["事项1"].confirmed_count, rows["事项1"].pending_count)] == [(0, 1)]
    assert (rows["白水村事项"].confirmed_count, rows["白水村事项"].pending_count) == (0, 0)
    body = response.content.decode()
    assert "白水乡" in body and "1 待确认" in body
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("pairing:need_board"))
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert len(counts) == 1
    assert "pairing_claim" not in counts[0] and "township" not in counts[0]


def test_overdue_filter_still_counts_confirmed_claims(client, tree, pairing, talent,
                                                      county_admin):
    # Filtering on 逾期 needs the per-need counts in the query: a need whose only place is
    # confirmed is not overdue, the other one is.
    past = timezone.localdate() - datetime.timedelta(days=3)
    done = Need.objects.create(village_org=tree.village_a1, title="已确认事项", description="-",
                               deadline=past, places=1, taken_places=1)
    Claim.objects.create(need=done, claimant=talent, status=ClaimStatus.CONFIRMED, result="好")
    Need.objects.create(village_org=tree.village_a1, title="逾期事项", description="-",
                        deadline=past, places=1)
    client.force_login(county_admin)
    titles = {need.title for need in client.get(
        reverse("pairing:need_board"), {"overdue": "yes"}).context["page"]}
    assert titles == {"逾期事项"}
    page = client.get(reverse("pairing:need_board"), {"overdue": "no"}).context["page"]
    assert {need.title for need in page} == {"已确认事项"}
    assert [need.confirmed_count for need in page] == [1]


def test_a_talents_claim_board_finds_its_villages_by_id(client, tree, pairing, talent, soon):
    """The claim board of a talent whose scope is some villages reads the needs by village id,
    without the scope's paths as well (each query compiled them: 91 at city scale)."""
    Need.objects.create(village_org=tree.village_a1, title="事项", description="-",
                        deadline=soon, places=3)
    client.force_login(talent)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("pairing:need_board"))
    assert [need.title for need in response.context["page"].object_list] == ["事项"]
    need_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "pairing_need"' in q["sql"]]
    assert need_queries
    assert not [sql for sql in need_queries if "LIKE" in sql], need_queries
