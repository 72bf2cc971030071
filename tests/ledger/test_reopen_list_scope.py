"""补录申请 list at city scale: a scope that holds the whole tree tests no path, and the
requests' organizations are fetched for the page's rows (joined, a city's 5,811 organizations
were hashed for its 462 requests). The rows stay those of the scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import ReopenRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests_(tree, village_secretary, other_village_secretary):
    return [ReopenRequest.objects.create(org=org, year=2026, month=month, reason="漏录",
                                         requested_by=user)
            for org, month, user in ((tree.village_a1, 3, village_secretary),
                                     (tree.village_b1, 4, other_village_secretary))]


def shown(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger:reopen_request_list"))
    assert response.status_code == 200
    rows = [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith('SELECT "ledger_reopenrequest"."id"')]
    return [(r.org.name, r.month) for r in response.context["page"]], rows


def test_county_admin_reads_every_request_without_a_path_test(requests_, login, county_admin):
    names, [rows] = shown(login(county_admin))
    assert names == [("白水村", 4), ("青山村", 3)]
    assert "LIKE" not in rows and '"portal_organization"' not in rows


def test_township_admin_keeps_the_scope(requests_, login, township_admin):
    names, [rows] = shown(login(township_admin))
    assert names == [("青山村", 3)]
    assert "LIKE" in rows
