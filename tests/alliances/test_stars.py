"""Dynamic stars (动态评星) and demonstration sites (示范点): the pure threshold rules, the
services (permission, reasons, change-only writes, history, the demonstration rule) and the
pages (scope 404 before capability 403, content, query counts that do not follow the rows)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from alliances import stars as rules
from alliances.models import Alliance, AllianceKind, StarRating, StarSource
from alliances.services import stars as services
from portal.models import AuditEvent
from tests.alliances.conftest import FOUNDED

THRESHOLDS = rules.DEFAULT_THRESHOLDS


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


# Thresholds (pure) ------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "stars"), [
    (100, 5), (90, 5), (Decimal("89.99"), 4), (80, 4), ("79.99", 3), (70, 3), (69.99, 2),
    (60, 2), (Decimal("59.99"), 1), (0, 1), (-5, 1),
])
def test_stars_for_boundaries(score, stars):
    assert rules.stars_for(score, THRESHOLDS) == stars


def test_a_float_is_read_as_written_not_as_its_binary_value():
    # Decimal(89.99) would be 89.98999…; 0.1 + 0.2 is 0.30000000000000004, still not 0.3.
    assert rules.stars_for(89.99, [(Decimal("89.99"), 5)]) == 5
    assert rules.stars_for(0.1 + 0.2, [("0.3", 2)]) == 2


def test_band_for_names_the_minimum_reached():
    assert rules.band_for(Decimal("85"), THRESHOLDS) == (4, Decimal("80"))
    assert rules.band_for(Decimal("10"), THRESHOLDS) == (1, None)


def test_thresholds_in_any_order_give_the_same_stars():
    assert rules.stars_for(75, list(reversed(THRESHOLDS))) == 3


@pytest.mark.parametrize("bad", [
    [(90, 6)], [(90, 1)], [(90, 5), (80, 5)], [(80, 5), (90, 4)], [(80, 5), (80, 4)],
    [("abc", 5)], [(float("nan"), 5)], [(90,)], [(90, True)],
])
def test_invalid_thresholds_are_refused(bad):
    with pytest.raises(ValueError):
        rules.check_thresholds(bad)


@pytest.mark.parametrize("bad", [None, "x", float("inf"), True])
def test_a_score_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        rules.stars_for(bad, THRESHOLDS)


def test_no_thresholds_means_one_star():
    assert rules.stars_for(100, []) == 1


@given(st.decimals(min_value=-1000, max_value=1000, places=2),
       st.decimals(min_value=-1000, max_value=1000, places=2))
def test_a_higher_score_never_earns_fewer_stars(a, b):
    low, high = sorted((a, b))
    assert rules.stars_for(low, THRESHOLDS) <= rules.stars_for(high, THRESHOLDS)


def test_configured_thresholds_come_from_settings(settings):
    settings.ALLIANCE_STAR_THRESHOLDS = [(50, 3)]
    assert rules.configured_thresholds() == ((Decimal(50), 3),)
    settings.ALLIANCE_STAR_THRESHOLDS = [(50, 7)]
    with pytest.raises(ValueError):
        rules.configured_thresholds()


def test_runs_across_the_year_boundary():
    ratings = {(2025, 4): 5, (2026, 1): 4}
    assert rules.holds_run(ratings, (2026, 1), 2)
    assert not rules.holds_run(ratings, (2026, 1), 3)
    assert not rules.holds_run({(2025, 4): 5, (2026, 1): 3}, (2026, 1), 2)
    assert rules.previous_quarter(2026, 1) == (2025, 4)
    assert rules.next_quarter(2025, 4) == (2026, 1)


# Services ---------------------------------------------------------------------------------

def test_rate_from_score_writes_the_stars_with_the_threshold_in_the_reason(alliances_world):
    rating = services.rate_from_score(alliances_world.core, 2025, 3, Decimal("85.5"))
    assert (rating.stars, rating.score, rating.source) == (4, Decimal("85.50"), "score")
    assert "85.50" in rating.reason and "80" in rating.reason
    assert rating.rated_by is None
    assert AuditEvent.objects.filter(data__star_rating=rating.pk).exists()
    low = services.rate_from_score(alliances_world.area_1, 2025, 3, 12)
    assert low.stars == 1 and "60" in low.reason


def test_rate_from_score_writes_only_when_stars_or_score_change(alliances_world):
    core = alliances_world.core
    assert services.rate_from_score(core, 2025, 3, 85) is not None
    assert services.rate_from_score(core, 2025, 3, Decimal("85.00")) is None
    assert services.rate_from_score(core, 2025, 3, 86) is not None  # same stars, new score
    assert services.rate_from_score(core, 2025, 3, 92).stars == 5
    assert StarRating.objects.filter(alliance=core).count() == 3
    assert services.current_stars([core], 2025, 3)[core.pk].stars == 5


def test_rate_from_score_refuses_a_future_quarter_and_a_bad_score(alliances_world):
    with pytest.raises(ValidationError) as exc:
        services.rate_from_score(alliances_world.core, 2099, 1, 90)
    assert exc.value.error_dict["quarter"][0].code == "future"
    with pytest.raises(ValidationError) as exc:
        services.rate_from_score(alliances_world.core, 2025, 1, "NaN")
    assert exc.value.error_dict["score"][0].code == "score"


def test_set_stars_needs_a_reason(alliances_world, county_admin):
    with pytest.raises(ValidationError) as exc:
        services.set_stars(alliances_world.core, 2025, 2, 4, actor=county_admin, reason="  ")
    assert exc.value.error_dict["reason"][0].code == "reason"
    assert not StarRating.objects.exists()


def test_set_stars_records_who_and_why(alliances_world, township_admin):
    rating = services.set_stars(alliances_world.core, 2025, 2, 4, actor=township_admin,
                                reason="未纳入考核方案，按晾晒情况评定")
    assert (rating.source, rating.rated_by, rating.score) == (StarSource.MANUAL,
                                                              township_admin, None)
    with pytest.raises(ValidationError) as exc:
        services.set_stars(alliances_world.core, 2025, 2, 4, actor=township_admin, reason="再评")
    assert exc.value.error_dict["stars"][0].code == "unchanged"
    with pytest.raises(ValidationError) as exc:
        services.set_stars(alliances_world.core, 2025, 2, 6, actor=township_admin, reason="x")
    assert exc.value.error_dict["stars"][0].code == "stars"


@pytest.mark.parametrize("persona", ["leader", "village_secretary", "other_village_secretary"])
def test_set_stars_is_refused_without_manage_on_the_owner(alliances_world, request, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.set_stars(alliances_world.core, 2025, 2, 4, actor=actor, reason="理由")


def test_a_person_calling_rate_from_score_needs_manage(alliances_world, leader):
    with pytest.raises(PermissionDenied):
        services.rate_from_score(alliances_world.core, 2025, 2, 90, actor=leader)


def test_history_is_newest_quarter_then_newest_change_first(alliances_world, county_admin):
    core = alliances_world.core
    services.rate_from_score(core, 2025, 1, 75)
    services.rate_from_score(core, 2025, 2, 65)
    services.set_stars(core, 2025, 1, 5, actor=county_admin, reason="补充材料后复评")
    history = [(r.year, r.quarter, r.stars, r.source) for r in services.star_history(core)]
    assert history == [(2025, 2, 2, "score"), (2025, 1, 5, "manual"), (2025, 1, 3, "score")]


def test_current_stars_takes_the_latest_per_alliance_in_one_query(alliances_world,
                                                                 county_admin,
                                                                 django_assert_num_queries):
    world = alliances_world
    services.rate_from_score(world.core, 2025, 3, 95)
    services.set_stars(world.core, 2025, 3, 3, actor=county_admin, reason="存在问题降星")
    services.rate_from_score(world.area_1, 2025, 3, 72)
    services.rate_from_score(world.area_1, 2025, 2, 99)
    with django_assert_num_queries(1):
        current = services.current_stars(Alliance.objects.filter(owner=world.core.owner),
                                         2025, 3)
    assert {pk: r.stars for pk, r in current.items()} == {world.core.pk: 3,
                                                         world.area_1.pk: 3}


def test_demonstration_needs_the_run_of_high_stars(alliances_world, county_admin, settings):
    core = alliances_world.core
    services.rate_from_score(core, 2025, 2, 95)
    services.rate_from_score(core, 2025, 3, 75)
    with pytest.raises(ValidationError) as exc:
        services.designate_demonstration(core, actor=county_admin, reason="成效突出")
    assert exc.value.code == "rule"
    assert "连续 2 个季度" in exc.value.messages[0]
    services.set_stars(core, 2025, 3, 4, actor=county_admin, reason="复核后调整")
    services.designate_demonstration(core, actor=county_admin, reason="成效突出")
    core.refresh_from_db()
    assert core.is_demonstration
    assert core.history.first().history_change_reason == "命名示范点：成效突出"
    with pytest.raises(ValidationError) as exc:
        services.designate_demonstration(core, actor=county_admin, reason="再次")
    assert exc.value.code == "state"
    services.revoke_demonstration(core, actor=county_admin, reason="整改不到位")
    core.refresh_from_db()
    assert not core.is_demonstration
    with pytest.raises(ValidationError) as exc:
        services.revoke_demonstration(core, actor=county_admin, reason="x")
    assert exc.value.code == "state"
    settings.ALLIANCE_DEMONSTRATION_QUARTERS = 3
    with pytest.raises(ValidationError):
        services.designate_demonstration(core, actor=county_admin, reason="成效突出")


def test_the_run_must_reach_the_latest_rated_quarter(alliances_world, county_admin):
    core = alliances_world.core
    services.rate_from_score(core, 2025, 1, 95)
    services.rate_from_score(core, 2025, 2, 95)
    services.rate_from_score(core, 2025, 3, 50)
    assert not services.demonstration_eligible(core)
    services.rate_from_score(alliances_world.area_1, 2025, 1, 95)
    services.rate_from_score(alliances_world.area_1, 2025, 3, 95)  # a gap in Q2
    assert not services.demonstration_eligible(alliances_world.area_1)


def test_only_the_county_designates(alliances_world, township_admin, county_admin):
    core = alliances_world.core
    services.rate_from_score(core, 2025, 2, 95)
    services.rate_from_score(core, 2025, 3, 95)
    with pytest.raises(PermissionDenied):
        services.designate_demonstration(core, actor=township_admin, reason="成效突出")
    with pytest.raises(ValidationError) as exc:
        services.designate_demonstration(core, actor=county_admin, reason="")
    assert exc.value.error_dict["reason"][0].code == "reason"
    assert not Alliance.objects.get(pk=core.pk).is_demonstration


# Views ------------------------------------------------------------------------------------

def _rate_world(world, year=2025, quarter=3):
    services.rate_from_score(world.core, year, quarter - 1, 85)
    services.rate_from_score(world.core, year, quarter, 95)
    services.rate_from_score(world.area_1, year, quarter - 1, 85)
    services.rate_from_score(world.area_1, year, quarter, 65)
    services.rate_from_score(world.area_2, year, quarter, 75)


def test_the_board_shows_stars_and_changes(alliances_world, login, township_admin):
    _rate_world(alliances_world)
    response = login(township_admin).get(url("star_board"), {"year": 2025, "quarter": 3})
    page = response.content.decode()
    assert response.status_code == 200
    assert "青山镇全域党建联盟" in page and "白水乡全域党建联盟" not in page
    assert "升4→5" in page and "降4→2" in page and "新评" in page
    assert url("star_history", alliances_world.core.pk) in page


def test_the_board_survives_bad_selectors(alliances_world, login, county_admin):
    client = login(county_admin)
    for params in ({"year": "abc", "quarter": "9"}, {"township": "999999"},
                   {"year": "99999999999999999999"}):
        assert client.get(url("star_board"), params).status_code == 200


def test_the_board_has_an_empty_state(tree, login, township_admin):
    response = login(township_admin).get(url("star_board"))
    assert "您的范围内还没有党建联盟" in response.content.decode()


def test_the_board_is_refused_without_alliance_view(alliances_world, login, talent):
    assert login(talent).get(url("star_board")).status_code == 403


def test_history_scope_and_capability(alliances_world, login, other_village_secretary,
                                      village_secretary, township_admin):
    core = alliances_world.core
    assert login(other_village_secretary).get(url("star_history", core.pk)).status_code == 404
    client = login(village_secretary)
    assert client.get(url("star_history", core.pk)).status_code == 200
    assert client.get(url("star_set", core.pk)).status_code == 403
    client = login(township_admin)
    assert client.get(url("star_history", alliances_world.other_core.pk)).status_code == 404
    assert client.post(url("demonstration_designate", core.pk),
                       {"reason": "成效突出"}).status_code == 403


def test_set_stars_page_writes_a_rating(alliances_world, login, county_admin):
    core = alliances_world.core
    client = login(county_admin)
    response = client.post(url("star_set", core.pk),
                           {"year": 2025, "quarter": 2, "stars": 4, "reason": "人工评定"})
    assert response.status_code == 302
    assert StarRating.objects.get(alliance=core).stars == 4
    response = client.post(url("star_set", core.pk),
                           {"year": 2025, "quarter": 2, "stars": 4, "reason": "再评"})
    assert response.status_code == 200 and "已是4星" in response.content.decode()
    history = client.get(url("star_history", core.pk)).content.decode()
    assert "人工评定" in history


def test_designate_through_the_page_says_the_rule(alliances_world, login, county_admin):
    core = alliances_world.core
    client = login(county_admin)
    response = client.post(url("demonstration_designate", core.pk), {"reason": "成效突出"},
                           follow=True)
    assert "连续 2 个季度" in response.content.decode()
    services.rate_from_score(core, 2025, 2, 95)
    services.rate_from_score(core, 2025, 3, 95)
    client.post(url("demonstration_designate", core.pk), {"reason": "成效突出"})
    assert Alliance.objects.get(pk=core.pk).is_demonstration
    page = client.get(url("star_history", core.pk)).content.decode()
    assert "data-confirm" in page and url("demonstration_revoke", core.pk) in page
    client.post(url("demonstration_revoke", core.pk), {"reason": "整改不到位"})
    assert not Alliance.objects.get(pk=core.pk).is_demonstration


def count_queries(client, address, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params or {})
    assert response.status_code == 200
    return len(captured)


def _more_alliances(world, n):
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i}", kind=AllianceKind.TASK, type=world.blue,
                 owner=world.core.owner, founded=FOUNDED) for i in range(n))
    StarRating.objects.bulk_create(
        StarRating(alliance=alliance, year=2025, quarter=quarter, stars=1 + (i + quarter) % 5,
                   source=StarSource.MANUAL, reason="批量")
        for i, alliance in enumerate(alliances) for quarter in (2, 3))


def test_the_board_query_count_does_not_follow_the_alliances(alliances_world, login,
                                                             township_admin):
    client = login(township_admin)
    params = {"year": 2025, "quarter": 3}
    _rate_world(alliances_world)
    small = count_queries(client, url("star_board"), params)
    _more_alliances(alliances_world, 30)
    assert count_queries(client, url("star_board"), params) == small


def test_the_history_query_count_does_not_follow_the_ratings(alliances_world, login,
                                                             county_admin):
    client = login(county_admin)
    core = alliances_world.core
    services.rate_from_score(core, 2025, 1, 95)
    small = count_queries(client, url("star_history", core.pk))
    StarRating.objects.bulk_create(
        StarRating(alliance=core, year=2000 + i // 4, quarter=1 + i % 4, stars=3,
                   source=StarSource.MANUAL, reason="历史", rated_by=county_admin)
        for i in range(30))
    assert count_queries(client, url("star_history", core.pk)) == small


def test_a_closed_alliance_is_left_off_later_quarters(alliances_world, login, township_admin):
    area_2 = alliances_world.area_2
    Alliance.objects.filter(pk=area_2.pk).update(closed_at=datetime.date(2025, 3, 31))
    client = login(township_admin)
    later = client.get(url("star_board"), {"year": 2025, "quarter": 3}).content.decode()
    earlier = client.get(url("star_board"), {"year": 2025, "quarter": 1}).content.decode()
    assert area_2.name not in later and area_2.name in earlier
