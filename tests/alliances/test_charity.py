"""一月一公益: per alliance and month, whether a counted (submitted or confirmed) activity of the
theme monthly_charity was linked to the alliance (directly or through a menu item); missed
months for other pages; the township grid's scope and one grouped query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import Alliance, AllianceKind, ServiceMenuItem
from alliances.services import charity
from ledger.models import Activity, ActivityStatus, ActivityTheme
from tests.alliances.conftest import FOUNDED

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)


def log(org, day, *, alliance=None, menu_item=None, theme="monthly_charity",
        status=ActivityStatus.CONFIRMED):
    return Activity.objects.create(org=org, date=day, theme=ActivityTheme.objects.get(code=theme),
                                   title="公益活动", content="-", alliance=alliance,
                                   menu_item=menu_item, status=status)


@pytest.fixture
def world(alliances_world):
    return alliances_world


def test_only_counted_charity_activities_of_the_alliance_count(world, tree):
    log(tree.village_a1, datetime.date(2025, 3, 5), alliance=world.core)
    log(tree.village_a1, datetime.date(2025, 4, 5), alliance=world.core,
        status=ActivityStatus.SUBMITTED)
    log(tree.village_a1, datetime.date(2025, 5, 5), alliance=world.core,
        status=ActivityStatus.DRAFT)
    log(tree.village_a1, datetime.date(2025, 5, 6), alliance=world.core,
        status=ActivityStatus.RETURNED)
    log(tree.village_a1, datetime.date(2025, 6, 30), alliance=world.core, theme="mentoring")
    log(tree.village_a1, datetime.date(2025, 6, 1), alliance=world.area_1)
    log(tree.village_a1, datetime.date(2024, 6, 1), alliance=world.core)
    held = charity.held_months([world.core, world.area_1], 2025)
    assert held == {world.core.pk: {3, 4}, world.area_1.pk: {6}}


def test_a_menu_items_activity_counts_for_its_alliance(world, tree):
    item = ServiceMenuItem.objects.create(alliance=world.core, title="义诊")
    log(tree.village_a1, datetime.date(2025, 6, 10), menu_item=item)
    assert charity.held_months([world.core.pk], 2025)[world.core.pk] == {6}


def test_missed_months_are_past_months_of_the_alliances_life(world, tree):
    log(tree.village_a1, datetime.date(2025, 4, 30), alliance=world.core)
    # Founded 2025-03-01: January and February do not count; July is still running.
    assert FOUNDED == datetime.date(2025, 3, 1)
    assert charity.missed_months(world.core, 2025, TODAY) == [3, 5, 6]
    log(tree.village_a1, datetime.date(2025, 7, 1), alliance=world.core)
    assert charity.missed_months(world.core, 2025, TODAY) == [3, 5, 6]


def test_a_closed_alliance_misses_nothing_after_closing(world):
    Alliance.objects.filter(pk=world.area_2.pk).update(closed_at=datetime.date(2025, 4, 10))
    world.area_2.refresh_from_db()
    assert charity.missed_months(world.area_2, 2025, TODAY) == [3, 4]


def test_grid_states(world, tree):
    log(tree.village_a1, datetime.date(2025, 3, 9), alliance=world.core)
    [(alliance, states, held, missed)] = charity.charity_grid([world.core], 2025, TODAY)
    assert states == ["outside", "outside", "held", "missed", "missed", "missed", "pending",
                      "future", "future", "future", "future", "future"]
    assert (alliance, held, missed) == (world.core, 1, 3)


# Page --------------------------------------------------------------------------------------

def test_board_scope(login, world, tree, township_admin, village_secretary, talent):
    log(tree.village_a1, datetime.date(2025, 3, 9), alliance=world.core)
    path = reverse("alliances:charity_board")
    page = login(township_admin).get(path, {"year": 2025}).content.decode()
    assert world.core.name in page and world.other_core.name not in page
    assert 'class="charity-held"' in page
    member = login(village_secretary).get(path, {"year": 2025}).content.decode()
    assert world.core.name in member
    assert login(talent).get(path).status_code == 403
    bad = login(township_admin).get(path, {"year": "abc", "township": 999999})
    assert bad.status_code == 200


def test_board_costs_one_grouped_query_whatever_the_alliances(login, world, tree, county_admin):
    client = login(county_admin)
    path = reverse("alliances:charity_board")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"township": tree.town_a.pk, "year": 2025}).status_code == 200
        return len(queries)

    log(tree.village_a1, datetime.date(2025, 3, 9), alliance=world.core)
    few = count()
    for n in range(12):
        alliance = Alliance.objects.create(name=f"任务联盟{n}", kind=AllianceKind.TASK,
                                           type=world.blue, owner=tree.town_a, founded=FOUNDED,
                                           purpose="任务")
        log(tree.village_a1, datetime.date(2025, 1 + n % 12, 9), alliance=alliance)
    assert count() == few
