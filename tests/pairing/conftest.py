"""Pairing fixtures: 县农业农村局 paired with 青山村."""

import datetime

import pytest

from pairing.models import Pairing


@pytest.fixture
def pairing(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2026, 1, 1),
                                  principles=["near", "complement"])


@pytest.fixture
def soon():
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=14)
