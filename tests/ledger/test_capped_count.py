"""Lists of a city's activities or people count at most COUNT_CAP rows (a bounded COUNT over
LIMIT cap + 1, no ORDER BY): every page of the county-wide activity list counted 500,000 rows
(40 ms at city scale). Beyond the cap the page says so and asks for a filter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import Activity
from ledger.views.activities import ActivityListView
from portal.models import Person
from portal.views.common import CappedPaginator
from portal.views.people import PersonListView


@pytest.fixture
def five_activities(tree, theme):
    Activity.objects.bulk_create(
        Activity(org=tree.village_a1, date=datetime.date(2025, 3, day), theme=theme,
                 title=f"活动{day}", content="内容", status="confirmed") for day in range(1, 6))


def test_the_count_stops_at_the_cap_without_sorting(five_activities):
    rows = Activity.objects.order_by("-date", "-id")
    with CaptureQueriesContext(connection) as queries:
        paginator = CappedPaginator(rows, 2, cap=3)
        assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)
    (count,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 4" in count and "ORDER BY" not in count
    exact = CappedPaginator(rows, 2, cap=5)
    assert (exact.count, exact.capped, exact.num_pages) == (5, False, 3)
    assert [a.title for a in exact.page(3)] == ["活动1"]


def test_a_plain_list_is_capped_too():
    paginator = CappedPaginator(list(range(7)), 5, cap=6)
    assert (paginator.count, paginator.capped) == (6, True)


@pytest.mark.parametrize("url_name, persona", [("ledger:activity_list", "county_admin"),
                                               ("portal:person_list", "county_admin")])
def test_a_long_list_says_it_holds_more(request, login, monkeypatch, five_activities, people,
                                        url_name, persona):
    for view in (ActivityListView, PersonListView):
        monkeypatch.setattr(view, "count_cap", 2)
        monkeypatch.setattr(view, "paginate_by", 1)
    client = login(request.getfixturevalue(persona))
    html = client.get(reverse(url_name)).content.decode()
    assert "超过 2 条，请用筛选缩小范围" in html
    assert Person.objects.count() > 2


def test_short_lists_keep_their_exact_count(login, county_admin, five_activities):
    html = login(county_admin).get(reverse("ledger:activity_list")).content.decode()
    assert "超过" not in html
