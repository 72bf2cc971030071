"""Ledger fixtures: a theme and a day in an open month."""

import datetime

import pytest
from django.utils import timezone

from ledger.models import ActivityTheme


@pytest.fixture
def theme(db):
    return ActivityTheme.objects.get(code="serve_masses")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def closed_day(today):
    """A day in a month that closed long ago."""
    return today.replace(day=1) - datetime.timedelta(days=70)
