"""The activity list and the 待确认 queue cost the same number of queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import Activity, ActivityStatus, Evidence
from tests.factories import PersonFactory


def fill(tree, theme, today, count):
    villages = [tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2]
    for n in range(count):
        org = villages[n % len(villages)]
        activity = Activity.objects.create(org=org, date=today, theme=theme, title=f"活动{n}",
                                           content="内容", status=ActivityStatus.SUBMITTED)
        for _ in range(2):
            activity.participations.create(person=PersonFactory(home_org=org), hours=2)
        Evidence.objects.create(activity=activity, kind="file", file="evidence/x.pdf")


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("url_name, persona, params", [
    ("ledger:activity_list", "county_admin", {}),
    ("ledger:activity_list", "county_admin", {"township": "town_a", "status": "submitted"}),
    ("ledger:activity_list", "village_secretary", {}),
    ("ledger:activity_to_confirm", "township_admin", {}),
    ("ledger:activity_to_confirm", "county_admin", {}),
])
def test_same_query_count_with_2_and_30_activities(url_name, persona, params, request, login,
                                                   tree, theme, today):
    client = login(request.getfixturevalue(persona))
    params = {k: (getattr(tree, v).pk if k == "township" else v) for k, v in params.items()}
    url = reverse(url_name)
    fill(tree, theme, today, 2)
    small, response = count_queries(client, url, params)
    assert len(response.context["page"]) >= 1
    fill(tree, theme, today, 28)
    large, response = count_queries(client, url, params)
    assert len(response.context["page"]) > 2
    assert all(a.people_count == 2 and a.evidence_count == 1 for a in response.context["page"])
    assert small == large, f"{url_name}: {small} queries with 2, {large} with 30"
