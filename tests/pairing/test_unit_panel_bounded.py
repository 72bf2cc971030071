"""单位联络员's home panel 我的结对村: the figures count every active pairing of the unit, the list
reads only its first rows (a unit with 90 villages no longer loads them all for the panel)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing.models import AnnualAgreement, JointMeeting, Pairing, PairingStatus
from pairing.navigation import PANEL_LIST_LIMIT
from pairing.services.pairings import half_year_of
from tests.factories import add_org

DAY = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _unit_panel(client):
    """The panel's data; asserts that no query of the page reads pairing rows without a LIMIT."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("portal:home"))
    rows = [q["sql"] for q in ctx.captured_queries
            if q["sql"].startswith('SELECT "pairing_pairing"."id"')]
    assert rows and all(sql.endswith(f"LIMIT {PANEL_LIST_LIMIT}") for sql in rows), rows
    return {shown.panel.key: shown.data for shown in response.context["panels"]}["pairing_unit"]


def test_unit_panel_counts_all_and_lists_the_first(login, tree, unit_contact):
    total = PANEL_LIST_LIMIT + 4
    villages = [add_org(tree.town_a, f"加村{i:02d}", "village") for i in range(total)]
    pairings = Pairing.objects.bulk_create(
        Pairing(city_org=tree.unit, village_org=village, since=DAY) for village in villages)
    ended = add_org(tree.town_b, "旧村", "village")
    Pairing.objects.create(city_org=tree.unit, village_org=ended, since=DAY, until=DAY,
                           status=PairingStatus.ENDED)
    year, half = half_year_of(timezone.localdate())
    for pairing in pairings[:3]:
        AnnualAgreement.objects.create(pairing=pairing, year=year, status="filed")
    AnnualAgreement.objects.create(pairing=pairings[3], year=year - 1, status="filed")
    for pairing in pairings[-2:]:
        JointMeeting.objects.create(pairing=pairing, year=year, half=half, date=DAY,
                                    place="村部", attendees="双方", topics="议题")
    data = _unit_panel(login(unit_contact))
    assert (data["count"], data["no_agreement"], data["no_meeting"]) == (total, total - 3,
                                                                         total - 2)
    rows = data["pairings"]
    assert [p.village_org.name for p in rows] == [v.name for v in villages[:PANEL_LIST_LIMIT]]
    assert [p.filed_this_year for p in rows[:4]] == [True, True, True, False]
    assert not any(p.met_this_half for p in rows)
