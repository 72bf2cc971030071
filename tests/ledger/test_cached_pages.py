"""The county home panels and the compliance matrices with the fragment cache on
(portal.fragments): an activity logged shows at once, nobody is served another user's
fragment, and a page served from the cache costs a few queries whatever the data. The tests
commit (transaction=True), as requests do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import ActivityStatus
from tests.ledger.test_compliance_matrices import add_activities

pytestmark = [pytest.mark.usefixtures("fragment_cache"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def this_month():
    return timezone.localdate().replace(day=1)


def county_panel(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-panel="ledger_county"')
    return html[start:html.index("履职情况", start)]


def silent_latest(client, params=None):
    response = client.get(reverse("ledger:compliance_orgs"), params or {})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="silent-latest">') + len('id="silent-latest">')
    return int(html[start:html.index("<", start)])


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_home_panel_shows_a_new_activity_at_once(login, county_admin, tree, this_month):
    client = login(county_admin)
    before = county_panel(client)
    assert county_panel(client) == before  # served again, unchanged
    add_activities([(tree.village_a1, this_month, ActivityStatus.SUBMITTED)])
    after = county_panel(client)
    assert after != before
    assert '<div class="figure-value">1</div><div class="small text-muted">' in after
    assert "3/4" in after  # three villages of four still silent


def test_matrix_shows_a_new_activity_at_once(login, county_admin, tree, this_month):
    client = login(county_admin)
    assert silent_latest(client) == 4
    assert silent_latest(client) == 4
    add_activities([(tree.village_a1, this_month, ActivityStatus.SUBMITTED)])
    assert silent_latest(client) == 3


def test_matrix_fragment_is_never_another_users(login, county_admin, township_admin, tree,
                                                client):
    # The same query string: the county admin's county-wide matrix is cached first.
    params = {"area": tree.county.pk}
    assert silent_latest(login(county_admin), params) == 4
    client.logout()
    # The township admin may not pick the county: they get their own township's two villages.
    assert silent_latest(login(township_admin), params) == 2


@pytest.mark.parametrize("name", ["portal:home", "ledger:compliance_orgs",
                                  "ledger:compliance_talents", "ledger:compliance_units"])
def test_page_from_the_cache_costs_a_few_queries(login, county_admin, tree, this_month, name):
    client = login(county_admin)
    url = reverse(name)
    built = queries(client, url)
    served = queries(client, url)
    assert served < built
    add_activities([(org, this_month, ActivityStatus.SUBMITTED)
                    for org in (tree.village_a1, tree.village_a2, tree.village_b1)] * 5)
    assert queries(client, url) == built  # the data changed: built again, same queries
    assert queries(client, url) == served


def test_export_form_of_a_cached_matrix_carries_the_requests_csrf_token(county_admin, tree):
    import re

    from django.test import Client

    from portal.fragments import CSRF_HOLE

    client = Client(enforce_csrf_checks=True)
    client.force_login(county_admin)
    url = reverse("ledger:compliance_orgs")
    client.get(url)
    html = client.get(url).content.decode()  # served from the cache
    assert CSRF_HOLE not in html
    token = re.search(r'id="matrix-export">\s*<input type="hidden" name="csrfmiddlewaretoken" '
                      r'value="([^"]+)"', html).group(1)
    response = client.post(reverse("ledger:compliance_orgs_export"),
                           {"csrfmiddlewaretoken": token, "area": tree.county.pk,
                            "period": "last12"})
    assert response.status_code in (200, 302)  # not 403: the token is this client's
