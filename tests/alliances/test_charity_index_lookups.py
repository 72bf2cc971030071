"""一月一公益 at scale: held_months reads the two links of an activity to an alliance (its own
alliance; without one, its menu item's) as two index lookups joined by UNION, and gives the
same months as the former single query with an OR across the menu-item join."""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Coalesce, TruncMonth
from django.test.utils import CaptureQueriesContext

from alliances.hooks import COUNTED_ACTIVITY_STATUSES
from alliances.models import ServiceMenuItem
from alliances.services import charity
from ledger.models import Activity, ActivityStatus, ActivityTheme

pytestmark = pytest.mark.django_db


def log(org, day, *, alliance=None, menu_item=None, theme="monthly_charity",
        status=ActivityStatus.CONFIRMED):
    return Activity.objects.create(org=org, date=day, theme=ActivityTheme.objects.get(code=theme),
                                   title="公益活动", content="-", alliance=alliance,
                                   menu_item=menu_item, status=status)


def held_months_with_one_or_query(ids, year):
    """The former implementation (one query, OR across the menu-item join), as the reference."""
    held = {pk: set() for pk in ids}
    rows = (Activity.objects
            .filter(Q(alliance_id__in=ids) | Q(menu_item__alliance_id__in=ids),
                    theme__code=charity.THEME_CODE, status__in=COUNTED_ACTIVITY_STATUSES,
                    date__gte=datetime.date(year, 1, 1), date__lt=datetime.date(year + 1, 1, 1))
            .annotate(linked=Coalesce("alliance_id", "menu_item__alliance_id"),
                      month=TruncMonth("date"))
            .order_by().values_list("linked", "month").distinct())
    for linked, month in rows:
        if linked in held:
            held[linked].add(month.month)
    return held


@pytest.fixture
def mixed_links(alliances_world, tree):
    """Activities linked every way: directly, through a menu item, through both (to two different
    alliances: the activity's own alliance wins), to an alliance not asked about, outside the
    year, of another theme, not counted, and twice in one month."""
    world = alliances_world
    core_item = ServiceMenuItem.objects.create(alliance=world.core, title="义诊")
    area_item = ServiceMenuItem.objects.create(alliance=world.area_1, title="理发")
    other_item = ServiceMenuItem.objects.create(alliance=world.other_core, title="修电器")
    village = tree.village_a1
    log(village, datetime.date(2025, 1, 9), alliance=world.core)
    log(village, datetime.date(2025, 1, 20), alliance=world.core)
    log(village, datetime.date(2025, 2, 3), menu_item=core_item)
    log(village, datetime.date(2025, 3, 3), alliance=world.area_2, menu_item=core_item)
    log(village, datetime.date(2025, 4, 3), alliance=world.other_core, menu_item=area_item)
    log(village, datetime.date(2025, 5, 3), menu_item=other_item)
    log(village, datetime.date(2025, 6, 3), menu_item=area_item,
        status=ActivityStatus.SUBMITTED)
    log(village, datetime.date(2025, 7, 3), menu_item=area_item, status=ActivityStatus.DRAFT)
    log(village, datetime.date(2025, 8, 3), alliance=world.core, theme="mentoring")
    log(village, datetime.date(2024, 12, 31), alliance=world.core)
    log(village, datetime.date(2026, 1, 1), menu_item=core_item)
    log(village, datetime.date(2025, 12, 31), menu_item=core_item)
    return [world.core.pk, world.area_1.pk, world.area_2.pk]


def test_same_months_as_the_single_or_query(mixed_links):
    expected = held_months_with_one_or_query(mixed_links, 2025)
    assert charity.held_months(mixed_links, 2025) == expected
    core, area_1, area_2 = mixed_links
    assert expected == {core: {1, 2, 12}, area_1: {6}, area_2: {3}}


def test_the_two_links_are_read_apart_in_one_union_query(mixed_links):
    with CaptureQueriesContext(connection) as queries:
        charity.held_months(mixed_links, 2025)
    [query] = queries.captured_queries
    sql = query["sql"].upper()
    assert "UNION" in sql
    assert " OR " not in sql
