"""Ledger rules in the services: locks, participants, workflow."""

import calendar
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ledger.models import Activity, ActivityStatus, MonthReopening
from ledger.navigation import _month_q
from ledger.periods import close_date, is_closed, month_range, months_back
from ledger.services import activities, locks
from pairing.models import Pairing
from portal.models import AuditEvent
from tests.factories import PersonFactory


def make(org, day, theme, **fields):
    return Activity(org=org, date=day, theme=theme, title=fields.pop("title", "入户走访"),
                    content=fields.pop("content", "走访困难群众"), **fields)


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(1, 31))
def test_close_date_is_in_the_next_month(year, month, day):
    closed = close_date(year, month, day)
    assert (closed.year, closed.month) == ((year + 1, 1) if month == 12 else (year, month + 1))
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    assert closed.day == min(day, calendar.monthrange(next_year, next_month)[1])


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_month_range_is_the_month_half_open(year, month):
    first, next_first = month_range(year, month)
    assert first == datetime.date(year, month, 1) and next_first.day == 1
    assert (next_first - first).days == calendar.monthrange(year, month)[1]


def test_a_month_is_a_date_range_in_sql_not_extract(tree, theme):
    sql = str(Activity.objects.in_month(2026, 12).query)
    assert "EXTRACT" not in sql.upper() and "django_date_extract" not in sql
    assert "2026-12-01" in sql and "2027-01-01" in sql
    panel_sql = str(Activity.objects.filter(_month_q("", 2026, 12)).query)
    assert "EXTRACT" not in panel_sql.upper() and "django_date_extract" not in panel_sql
    edges = [datetime.date(2026, 11, 30), datetime.date(2026, 12, 1),
             datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)]
    for day in edges:
        make(tree.village_a1, day, theme, title=f"{day}").save()
    assert sorted(a.date for a in Activity.objects.in_month(2026, 12)) == edges[1:3]


def test_closing_rules():
    assert close_date(2026, 10, 5) == datetime.date(2026, 11, 5)
    assert close_date(2026, 1, 31) == datetime.date(2026, 2, 28)
    assert not is_closed(datetime.date(2026, 11, 5), 2026, 10, 5)
    assert is_closed(datetime.date(2026, 11, 6), 2026, 10, 5)
    assert months_back(datetime.date(2026, 2, 10), 3) == [(2025, 12), (2026, 1), (2026, 2)]


def test_log_submit_confirm(tree, people, theme, today, village_secretary, township_admin):
    activity = activities.do_save_activity(
        make(tree.village_a1, today, theme), [(people.a1, 3, "organizer")],
        actor=village_secretary)
    assert activity.participations.get().hours == 3
    activities.do_submit_activity(activity, actor=village_secretary)
    with pytest.raises(ValidationError):
        activities.do_save_activity(activity, actor=village_secretary)
    with pytest.raises(PermissionDenied):
        activities.do_confirm_activity(activity, actor=village_secretary)
    activity = activities.do_confirm_activity(activity, actor=township_admin)
    assert activity.status == ActivityStatus.CONFIRMED


def test_return_needs_reason(tree, theme, today, village_secretary, township_admin):
    activity = activities.do_save_activity(make(tree.village_a1, today, theme),
                                           actor=village_secretary)
    activities.do_submit_activity(activity, actor=village_secretary)
    with pytest.raises(ValidationError):
        activities.do_return_activity(activity, actor=township_admin, reason="")
    activity = activities.do_return_activity(activity, actor=township_admin, reason="缺照片")
    assert activity.is_editable


def test_locked_month_is_refused_by_the_service(tree, theme, closed_day, village_secretary):
    with pytest.raises(ValidationError, match="已于.*关闭"):
        activities.do_save_activity(make(tree.village_a1, closed_day, theme),
                                    actor=village_secretary)
    assert not Activity.objects.exists()


def test_future_date_refused(tree, theme, today, village_secretary):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        activities.do_save_activity(
            make(tree.village_a1, today + datetime.timedelta(days=1), theme),
            actor=village_secretary)


def test_reopening_is_audited_and_opens_one_org(tree, theme, closed_day, village_secretary,
                                                township_admin):
    with pytest.raises(ValidationError):
        locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                              actor=township_admin, reason=" ")
    locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                          actor=township_admin, reason="书记住院，延期补录")
    assert AuditEvent.objects.filter(summary__contains="开放“青山村”").exists()
    activities.do_save_activity(make(tree.village_a1, closed_day, theme),
                                actor=village_secretary)
    assert locks.month_is_locked(tree.village_a2, closed_day.year, closed_day.month)
    assert MonthReopening.objects.count() == 1


def test_township_cannot_reopen_other_township(tree, closed_day, township_admin):
    with pytest.raises(PermissionDenied):
        locks.do_reopen_month(tree.village_b1, closed_day.year, closed_day.month,
                              actor=township_admin, reason="x")


def test_participants_from_org_and_paired_unit_only(tree, people, theme, today,
                                                    village_secretary):
    with pytest.raises(ValidationError, match="不属于本组织"):
        activities.do_save_activity(make(tree.village_a1, today, theme),
                                    [(people.unit, 2, "participant")], actor=village_secretary)
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=today)
    activity = activities.do_save_activity(
        make(tree.village_a1, today, theme),
        [(people.unit, 2, "participant"), (people.a1, 1, "organizer")], actor=village_secretary)
    assert activity.participations.count() == 2
    with pytest.raises(ValidationError, match="不属于本组织"):
        activities.do_save_activity(activity, [(people.b1, 1, "participant")],
                                    actor=village_secretary)
    assert activity.participations.count() == 2  # nothing half-written


def test_participants_replaced(tree, people, theme, today, village_secretary):
    extra = PersonFactory(home_org=tree.village_a1)
    activity = activities.do_save_activity(
        make(tree.village_a1, today, theme), [(people.a1, 2, "organizer"), (extra, 1, "volunteer")],
        actor=village_secretary)
    activities.do_save_activity(activity, [(extra, 4, "participant")], actor=village_secretary)
    rows = list(activity.participations.values_list("person_id", "hours", "role"))
    assert rows == [(extra.pk, 4, "participant")]


def test_other_village_cannot_log(tree, theme, today, other_village_secretary):
    with pytest.raises(PermissionDenied):
        activities.do_save_activity(make(tree.village_a1, today, theme),
                                    actor=other_village_secretary)
