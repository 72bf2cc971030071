"""我的结对 and an org's pairings are paged like the other lists: a unit with dozens of villages
shows a page of them, the section header keeps the org's full count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing.models import Pairing
from portal.views.common import PAGE_SIZE
from tests.conftest import grant
from tests.factories import add_org

DAY = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _pair(unit, town, n):
    villages = [add_org(town, f"加村{i:02d}", "village") for i in range(n)]
    Pairing.objects.bulk_create(
        Pairing(city_org=unit, village_org=village, since=DAY) for village in villages)


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_my_pairings_pages_a_units_villages(login, unit_contact, tree):
    _pair(tree.unit, tree.town_a, PAGE_SIZE + 5)
    client = login(unit_contact)
    url = reverse("pairing:my_pairings")
    first, first_queries = _get(client, url)
    [(org, rows)] = first.context["sections"]
    assert org == tree.unit and org.pairing_count == PAGE_SIZE + 5
    assert len(rows) == PAGE_SIZE and first.context["page"].paginator.num_pages == 2
    assert f"结对村 {PAGE_SIZE + 5} 个" in first.content.decode()
    second, second_queries = _get(client, url, page=2)
    [(_, more)] = second.context["sections"]
    assert len(more) == 5 and first_queries == second_queries
    names = [p.village_org.name for p in rows + more]
    assert names == sorted(names) and len(set(names)) == PAGE_SIZE + 5


def test_org_pairings_are_paged_too(login, county_admin, tree):
    _pair(tree.unit, tree.town_b, PAGE_SIZE + 1)
    response, _ = _get(login(county_admin), reverse("pairing:org_pairings", args=[tree.unit.pk]),
                       page=2)
    [(org, rows)] = response.context["sections"]
    assert org.pairing_count == PAGE_SIZE + 1 and len(rows) == 1


def test_several_orgs_each_keep_their_own_count(login, unit_contact, tree):
    """A contact of two units: both headers count their own pairings, a unit with none still
    shows its empty section."""
    other = add_org(tree.county, "县教育局", "unit", code="U0002")
    empty = add_org(tree.county, "县文旅局", "unit", code="U0003")
    grant(unit_contact, other, "unit_contact")
    grant(unit_contact, empty, "unit_contact")
    _pair(tree.unit, tree.town_a, 3)
    Pairing.objects.create(city_org=other, village_org=tree.village_b1, since=DAY)
    response, _ = _get(login(unit_contact), reverse("pairing:my_pairings"))
    sections = {org.name: (org.pairing_count, len(rows))
                for org, rows in response.context["sections"]}
    assert sections == {tree.unit.name: (3, 3), "县教育局": (1, 1), "县文旅局": (0, 0)}
