"""Home panels and the fragment cache: a panel is built once until the data changes, unless it
follows the clock (Panel.cached=False: reopened months expiring, bookings ending, meetings
starting), which is built on every view."""

import pytest
from django.test import RequestFactory

from portal import dashboard
from portal.dashboard import Panel, panels_for
from portal.scope import COUNTY_ADMIN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fragment_cache")]


def test_clock_panels_are_built_on_every_view_the_others_once(county_admin, monkeypatch):
    calls = {"cached": 0, "clock": 0}

    def context_of(key):
        def context(request):
            calls[key] += 1
            return {"n": calls[key]}
        return context

    monkeypatch.setattr(dashboard, "_panels", [
        Panel("cached", "甲", "portal/panels/roles.html", frozenset({COUNTY_ADMIN}),
              context_of("cached")),
        Panel("clock", "乙", "portal/panels/roles.html", frozenset({COUNTY_ADMIN}),
              context_of("clock"), cached=False),
    ])
    for _ in range(3):
        request = RequestFactory().get("/")
        request.user = county_admin
        assert [shown.panel.key for shown in panels_for(request)] == ["cached", "clock"]
    assert calls == {"cached": 1, "clock": 3}


@pytest.mark.parametrize("key", ["ledger_own", "ledger_township", "alliances_led",
                                 "alliance_venue_bookings"])
def test_panels_that_follow_the_clock_are_not_cached(key):
    panel = next(panel for panel in dashboard._panels if panel.key == key)
    assert not panel.cached
