"""The tree and people pages run as many queries on the small seeded county as on a tiny tree."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import demo
from portal.models import Organization, RoleAssignment


def query_count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def page_counts(client, role, county, township, village):
    """Queries per page for one persona, keyed by a page name."""
    people = reverse("portal:person_list")
    pages = {
        "township node": (reverse("portal:org_tree_node", args=[township.pk]), None),
        "people": (people, None),
        "people filtered": (people, {"org": village.pk, "flag": "party", "gender": "M"}),
        "people searched": (people, {"q": "王", "flag": "party"}),
    }
    if role == "county_admin":
        pages["county node"] = (reverse("portal:org_tree_node", args=[county.pk]), None)
        pages["people in township"] = (people, {"org": township.pk})
    client.get(reverse("portal:home"))  # session and caches warm, as in real use
    return {name: query_count(client, url, params) for name, (url, params) in pages.items()}


@pytest.mark.parametrize("role", ["county_admin", "township_admin"])
def test_page_queries_do_not_grow_with_the_county(role, request, tree, people, client):
    client.force_login(request.getfixturevalue(role))
    tiny = page_counts(client, role, tree.county, tree.town_a, tree.village_a1)

    demo.seed("small", reset=True)
    user = get_user_model().objects.get(username=role)
    client.force_login(user)
    county = Organization.objects.get(depth=1)
    township = RoleAssignment.objects.get(user__username="township_admin").org
    village = Organization.objects.get_children(township).filter(kind="village").first()
    assert Organization.objects.get_descendant_count(county) > 100 and village.people.count() > 5
    seeded = page_counts(client, role, county, township, village)

    assert seeded == tiny
