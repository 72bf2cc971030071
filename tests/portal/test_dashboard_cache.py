"""Home panels and the fragment cache: the panel grid is built once until the data changes,
or until the moment a panel said its content changes by itself (fragments.valid_until: a
reopened month expiring, a booking ending, a meeting starting)."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from alliances.models import Booking
from portal import dashboard
from portal.dashboard import Panel, home_panels
from portal.fragments import valid_until
from portal.scope import COUNTY_ADMIN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fragment_cache")]


def view(user):
    request = RequestFactory().get("/")
    request.user = user
    return home_panels(request)[0]


@pytest.mark.parametrize("seconds_left, builds", [(3600, 1), (0.5, 3), (None, 1)])
def test_grid_kept_until_a_panel_changes_by_itself(county_admin, monkeypatch, seconds_left,
                                                   builds):
    calls = []

    def context(request):
        calls.append(1)
        if seconds_left is not None:
            valid_until(request, timezone.now() + datetime.timedelta(seconds=seconds_left))
        return {"n": len(calls)}

    monkeypatch.setattr(dashboard, "_panels", [
        Panel("clock", "甲", "portal/panels/roles.html", frozenset({COUNTY_ADMIN}), context)])
    for _ in range(3):
        assert 'data-panel="clock"' in view(county_admin)
    assert len(calls) == builds


def test_bookings_panel_says_when_its_first_booking_ends(village_secretary, monkeypatch):
    """The real panels say when they change: here 阵地预约, when its first booking ends."""
    from alliances.nav_venues import _bookings_panel

    ends = timezone.now() + datetime.timedelta(minutes=3)
    monkeypatch.setattr(Booking.objects, "active", lambda: _Bookings(ends))
    request = RequestFactory().get("/")
    request.user = village_secretary
    assert _bookings_panel(request) is not None
    assert request._fragment_valid_until == ends


class _Bookings:
    """Booking.objects.active() standing in for one booking ending at `ends`."""

    def __init__(self, ends):
        self.ends = ends

    def filter(self, *args, **kwargs):
        return self

    def select_related(self, *args):
        return self

    def order_by(self, *args):
        return self

    def __getitem__(self, item):
        from types import SimpleNamespace

        return [SimpleNamespace(end=self.ends, start=self.ends, venue=None, org=None, pk=1)]
